"""How the Meta Graph API writes errors and throttling, read alike by the tap and the destination.

The Meta Ads tap (``tap_cerebro_meta_ads.client``) and the Custom Audiences destination
(``cerebro.actions.activation.destinations.meta_audiences``) talk to the same Graph API: both
read the same ``{"error": {"code", "error_subcode", "message", "is_transient"}}`` object, the
same throttling codes and the same usage headers for how long to wait.
https://developers.facebook.com/docs/graph-api/guides/error-handling
https://developers.facebook.com/docs/marketing-api/overview/rate-limiting
https://developers.facebook.com/docs/graph-api/overview/rate-limiting

``headers`` may be any mapping whose lookups by lower-case name work (``requests``'
case-insensitive headers, or a dict with lower-cased names).
"""

from __future__ import annotations

import json
import typing as t

# error.code values Meta uses for rate limits (app, user, ad account, business use case).
THROTTLING_CODES = frozenset({4, 17, 613, *range(80000, 80015)})
# An expired or revoked access token.
EXPIRED_TOKEN_CODE = 190
# "Unsupported get request. Object with ID ... does not exist, cannot be loaded due to missing
# permissions, or does not support this operation" (code 100, subcode 33).
UNKNOWN_OBJECT = (100, 33)
# When a throttling answer carries no usage header: Meta asks to wait "a bit".
THROTTLE_FALLBACK_SECONDS = 60.0


def graph_error(payload: object) -> dict[str, t.Any]:
    """The ``error`` object of a Graph API answer's JSON body ({} when there is none)."""
    error = payload.get("error") if isinstance(payload, dict) else None
    return error if isinstance(error, dict) else {}


def regain_access_seconds(headers: t.Mapping[str, str]) -> float | None:
    """Seconds until Meta lifts throttling, per its usage headers (None if they do not say):
    ``X-Business-Use-Case-Usage`` gives ``estimated_time_to_regain_access`` in minutes,
    ``X-Ad-Account-Usage`` gives ``reset_time_duration`` in seconds."""
    waits = []
    business = header_json(headers, "x-business-use-case-usage")
    for usages in (business or {}).values():
        for usage in usages if isinstance(usages, list) else []:
            minutes = usage.get("estimated_time_to_regain_access")
            if minutes is not None:
                waits.append(60.0 * float(minutes))
    account = header_json(headers, "x-ad-account-usage") or {}
    if account.get("reset_time_duration") is not None:
        waits.append(float(account["reset_time_duration"]))
    return max(waits) if waits else None


def header_json(headers: t.Mapping[str, str], name: str) -> dict | None:
    """A usage header's JSON object (None when absent or not a JSON object)."""
    raw = headers.get(name)
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
