"""How the Google Ads API writes ids and errors, read alike by the tap and the destination.

The Google Ads tap (``tap_cerebro_google_ads.client``) and the Customer Match destination
(``cerebro.actions.activation.destinations.google_customer_match``) talk to the same REST
interface: both send customer ids as digits and both read the same error object, with its
``GoogleAdsFailure`` details, its ``errorCode`` values and a quota error's ``retryDelay``.
https://developers.google.com/google-ads/api/docs/common-errors
https://developers.google.com/google-ads/api/reference/rpc/latest/QuotaErrorDetails

Each function takes the parsed JSON body (not an HTTP response): the tap reads it from
``requests``, the destination from ``urllib``.
"""

from __future__ import annotations

import typing as t


def digits(customer_id: str) -> str:
    """A customer id as the API wants it: ``123-456-7890`` -> ``1234567890``."""
    return "".join(ch for ch in str(customer_id) if ch.isdigit())


def google_error(payload: object) -> dict[str, t.Any]:
    """The ``error`` object, whether it comes alone or as the only item of a stream array."""
    if isinstance(payload, list) and payload:
        payload = payload[0]
    error = payload.get("error") if isinstance(payload, dict) else None
    return error if isinstance(error, dict) else {}


def failure_details(error: dict) -> list[dict]:
    """The GoogleAdsFailure ``errors`` inside an error's ``details``."""
    return [item for detail in error.get("details", []) for item in detail.get("errors", [])]


def retry_delay_seconds(error: dict) -> float | None:
    """The largest ``retryDelay`` (a Duration such as ``"30s"``) anywhere in the error."""
    delays = []

    def visit(node: t.Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "retryDelay" and isinstance(value, str) and value.endswith("s"):
                    delays.append(float(value[:-1]))
                else:
                    visit(value)
        elif isinstance(node, list):
            for item in node:
                visit(item)

    visit(error.get("details", []))
    return max(delays) if delays else None


def error_codes(error: dict) -> set[str]:
    """Every ``errorCode`` value (``RESOURCE_EXHAUSTED``, ``USER_PERMISSION_DENIED``, ...)."""
    return {
        str(code) for item in failure_details(error) for code in item.get("errorCode", {}).values()
    }
