"""An in-process imitation of the GA4 Data API's ``properties.runReport``.

Built from the method's reference and the Data API guides:

- ``POST /v1beta/properties/{property}:runReport``; the body's ``dateRanges``
  (``YYYY-MM-DD``, start not after end), ``dimensions`` and ``metrics`` by API
  name (an unknown one is 400 ``INVALID_ARGUMENT``, "Field X is not a valid
  dimension."), ``limit`` (default 10,000; at most 250,000 rows come back,
  whatever is asked; it must be positive) and ``offset`` (not negative), both
  int64 written as strings or numbers; ``orderBys`` by a requested dimension.
- The answer: ``dimensionHeaders``, ``metricHeaders`` (name and type),
  ``rows`` of ``dimensionValues`` / ``metricValues`` whose values are strings,
  ``date`` as ``YYYYMMDD``, ``rowCount`` (every row of the report, whatever
  the page; absent when there are none), ``metadata`` with the property's
  ``currencyCode`` and ``timeZone``, ``kind``. Without ``orderBys`` rows come
  by sessions, most first, not by day.
- Errors as Google writes them (``error.code``, ``error.message``,
  ``error.status``): 401 ``UNAUTHENTICATED`` without a live token from the fake
  token endpoint, 403 ``PERMISSION_DENIED`` for a property the user cannot
  read, 429 ``RESOURCE_EXHAUSTED`` when the test spends the quota.

Numbers are deterministic per (property, day, key); days from ``fresh_from`` on
are still being processed and grow once final. Faults are queued by the test;
every request is logged.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field

from werkzeug import Request, Response

REPORT_PATH = re.compile(r"^/v1beta/properties/[^/:]+:runReport$")
DEFAULT_LIMIT, MAX_LIMIT = 10_000, 250_000
# A few of the API schema's names: enough to refuse a misspelt or retired one.
DIMENSIONS = frozenset(
    {
        "date",
        "sessionSource",
        "sessionMedium",
        "sessionCampaignName",
        "sessionSourceMedium",
        "sessionDefaultChannelGroup",
        "country",
        "deviceCategory",
        "landingPage",
        "eventName",
    }
)
METRICS = {
    "sessions": "TYPE_INTEGER",
    "totalUsers": "TYPE_INTEGER",
    "activeUsers": "TYPE_INTEGER",
    "newUsers": "TYPE_INTEGER",
    "engagedSessions": "TYPE_INTEGER",
    "keyEvents": "TYPE_FLOAT",
    "eventCount": "TYPE_INTEGER",
    "screenPageViews": "TYPE_INTEGER",
}
SCHEMA_HINT = (
    "For a list of valid dimensions and metrics, see "
    "https://developers.google.com/analytics/devguides/reporting/data/v1/api-schema"
)
# (sessionSource, sessionMedium, sessionCampaignName) as GA4 writes them, placeholders included.
TRAFFIC_KEYS = (
    ("(direct)", "(none)", "(direct)"),
    ("google", "organic", "(organic)"),
    ("google", "cpc", "verano_2024"),
    ("facebook", "paid", "Retargeting Marzo"),
    ("instagram", "social", "(not set)"),
    ("newsletter", "email", "black_friday"),
    ("blog.ejemplo.cl", "referral", "(referral)"),
    ("tiktok", "cpc", "lanzamiento"),
)


@dataclass
class Fault:
    status: int
    body: dict
    headers: dict = field(default_factory=dict)


def google_error(status: int, code: str, message: str, headers=None) -> Fault:
    return Fault(
        status, {"error": {"code": status, "message": message, "status": code}}, headers or {}
    )


def quota_exhausted(retry_after: str | None = None) -> Fault:
    headers = {"Retry-After": retry_after} if retry_after else {}
    return google_error(
        429,
        "RESOURCE_EXHAUSTED",
        "Exhausted property tokens per hour. Wait for the quota to refresh.",
        headers,
    )


def permission_denied() -> Fault:
    return google_error(
        403,
        "PERMISSION_DENIED",
        "User does not have sufficient permissions for this property. To learn more about "
        "Property ID, see https://developers.google.com/analytics/devguides/reporting/data/v1/"
        "property-id.",
    )


def backend_error() -> Fault:
    return google_error(500, "INTERNAL", "Internal error encountered.")


def invalid_argument(message: str) -> Fault:
    return google_error(400, "INVALID_ARGUMENT", message)


class FakeGa4Api:
    """A handful of traffic sources per property and day, deterministic."""

    def __init__(self, tokens, properties: tuple[str, ...], fresh_from: str) -> None:
        self.tokens = tokens
        self.properties = properties
        self.fresh_from = dt.date.fromisoformat(fresh_from)
        self.time_zone = "America/Santiago"
        self.faults: list[Fault] = []
        self.fail_after_requests: tuple[int, Fault] | None = None
        self.revoke_tokens_at_request: int | None = None
        self.requests: list[dict] = []
        self.base_url = ""

    def register(self, httpserver) -> None:
        self.base_url = httpserver.url_for("").rstrip("/")
        httpserver.expect_request(REPORT_PATH, method="POST").respond_with_handler(self.report)

    @staticmethod
    def keys_on(day: dt.date) -> tuple[tuple[str, str, str], ...]:
        """TikTok runs on even days only: a key without sessions that day has no row."""
        return tuple(k for k in TRAFFIC_KEYS if k[0] != "tiktok" or day.toordinal() % 2 == 0)

    # Oracle: what every row must land as (final or, for fresh days, as it stands).
    def truth(self, prop: str, day: dt.date, key: tuple[str, str, str]) -> dict:
        seed = (len(prop) * 97 + day.toordinal() * 13 + sum(map(ord, "".join(key)))) % 1009
        sessions = 5 + seed % 200
        users = max(1, sessions - seed % 7)
        engaged = sessions * (40 + seed % 50) // 100
        key_events = seed % 9 + (0.5 if seed % 5 == 0 else 0)
        if day >= self.fresh_from:  # still being processed: lower numbers, for now
            sessions, users, engaged, key_events = sessions // 2, users // 2, engaged // 2, 0
        return {
            "sessions": sessions,
            "totalUsers": users,
            "engagedSessions": engaged,
            "keyEvents": key_events,
        }

    def report(self, request: Request) -> Response:
        body = request.get_json()
        prop = request.path.split("/properties/", 1)[1].rsplit(":runReport", 1)[0]
        self.requests.append(
            {"property": prop, "authorization": request.headers.get("Authorization"), **body}
        )
        if self.faults:
            return _respond(self.faults.pop(0))
        if self.fail_after_requests and len(self.requests) > self.fail_after_requests[0]:
            return _respond(self.fail_after_requests[1])
        if len(self.requests) == self.revoke_tokens_at_request:
            self.tokens.expire_all()  # revoked or rotated server-side, mid-run
        if not self.tokens.accepts(request.headers.get("Authorization")):
            return _respond(
                google_error(
                    401,
                    "UNAUTHENTICATED",
                    "Request had invalid authentication credentials. Expected OAuth 2 access "
                    "token, login cookie or other valid authentication credential.",
                )
            )
        if prop not in self.properties:
            return _respond(permission_denied())
        refusal = self._refusal(body)
        if refusal:
            return _respond(invalid_argument(refusal))
        return Response(json.dumps(self._page(prop, body)), content_type="application/json")

    def _refusal(self, body: dict) -> str | None:
        dimensions = [d.get("name") for d in body.get("dimensions", [])]
        metrics = [m.get("name") for m in body.get("metrics", [])]
        for name in dimensions:
            if name not in DIMENSIONS:
                return f"Field {name} is not a valid dimension. {SCHEMA_HINT}"
        for name in metrics:
            if name not in METRICS:
                return f"Field {name} is not a valid metric. {SCHEMA_HINT}"
        if len(dimensions) > 9 or len(metrics) > 10:
            return "Requests are limited to 9 dimensions and 10 metrics."
        ranges = body.get("dateRanges") or []
        if len(ranges) != 1:
            return "This fake answers reports of exactly one date range."
        try:
            start = dt.date.fromisoformat(ranges[0]["startDate"])
            end = dt.date.fromisoformat(ranges[0]["endDate"])
        except (KeyError, ValueError):
            return "Invalid date range: dates are YYYY-MM-DD."
        if start > end:
            return f"Invalid date range: startDate {start} is after endDate {end}."
        try:
            limit = int(body.get("limit", DEFAULT_LIMIT))
            offset = int(body.get("offset", 0))
        except (TypeError, ValueError):
            return "limit and offset must be integers."
        if limit <= 0:
            return f"limit must be positive, was {limit}."
        if offset < 0:
            return f"offset must be non-negative, was {offset}."
        for order in body.get("orderBys", []):
            name = order.get("dimension", {}).get("dimensionName")
            if name not in dimensions:
                return f"Field {name} in orderBys is not a requested dimension."
        return None

    def _page(self, prop: str, body: dict) -> dict:
        dimensions = [d["name"] for d in body["dimensions"]]
        metrics = [m["name"] for m in body["metrics"]]
        assert dimensions == ["date", "sessionSource", "sessionMedium", "sessionCampaignName"]
        window = body["dateRanges"][0]
        first = dt.date.fromisoformat(window["startDate"])
        last = dt.date.fromisoformat(window["endDate"])
        rows = []
        for k in range((last - first).days + 1):
            day = first + dt.timedelta(days=k)
            for key in self.keys_on(day):
                truth = self.truth(prop, day, key)
                rows.append(
                    {
                        "dimensionValues": [{"value": v} for v in (day.strftime("%Y%m%d"), *key)],
                        "metricValues": [{"value": _text(truth[m])} for m in metrics],
                    }
                )
        if body.get("orderBys"):
            positions = [
                dimensions.index(o["dimension"]["dimensionName"]) for o in body["orderBys"]
            ]
            rows.sort(key=lambda r: [r["dimensionValues"][p]["value"] for p in positions])
        else:
            rows.sort(key=lambda r: -int(r["metricValues"][0]["value"]))
        limit = min(int(body.get("limit", DEFAULT_LIMIT)), MAX_LIMIT)
        offset = int(body.get("offset", 0))
        payload: dict = {
            "dimensionHeaders": [{"name": name} for name in dimensions],
            "metricHeaders": [{"name": name, "type": METRICS[name]} for name in metrics],
            "metadata": {"currencyCode": "CLP", "timeZone": self.time_zone},
            "kind": "analyticsData#runReport",
        }
        if rows[offset : offset + limit]:
            payload["rows"] = rows[offset : offset + limit]
        if rows:
            payload["rowCount"] = len(rows)
        return payload

    def windows(self) -> list[tuple[str, str, str]]:
        """(property, start, end) of every first-page request."""
        return [
            (r["property"], r["dateRanges"][0]["startDate"], r["dateRanges"][0]["endDate"])
            for r in self.requests
            if int(r.get("offset", 0)) == 0
        ]


def _text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _respond(fault: Fault) -> Response:
    return Response(
        json.dumps(fault.body),
        status=fault.status,
        headers=fault.headers,
        content_type="application/json",
    )
