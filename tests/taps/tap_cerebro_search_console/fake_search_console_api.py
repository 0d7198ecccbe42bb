"""An in-process imitation of the Search Console API's ``searchAnalytics.query``.

As documented: rows grouped by the requested dimensions, ordered by clicks
(not by day), paged by ``startRow``/``rowLimit``, clicks and impressions as
JSON doubles, days after ``fresh_from`` still being processed (their numbers
grow once final) and reported in the response's ``metadata`` when
``dataState`` is ``all``, as ``firstIncompleteDate`` (the discovery document's
spelling) or ``first_incomplete_date`` (the query reference's), whichever
``metadata_field`` says. It insists on a live access token from the fake token
endpoint; a property the user cannot read is 403 ``forbidden``, as Search
Console answers it. Faults are queued by the test; every request is logged.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from urllib.parse import unquote

from werkzeug import Request, Response

QUERY_PATH = re.compile(r"^/webmasters/v3/sites/.+/searchAnalytics/query$")


@dataclass
class Fault:
    status: int
    body: dict
    headers: dict = field(default_factory=dict)


def google_error(status: int, code: str, reason: str, message: str, headers=None) -> Fault:
    body = {
        "error": {
            "code": status,
            "message": message,
            "status": code,
            "errors": [{"message": message, "domain": "usageLimits", "reason": reason}],
        }
    }
    return Fault(status, body, headers or {})


def rate_limited(retry_after: str | None = None) -> Fault:
    headers = {"Retry-After": retry_after} if retry_after else {}
    return google_error(429, "RESOURCE_EXHAUSTED", "rateLimitExceeded", "Quota exceeded.", headers)


def quota_exceeded() -> Fault:
    return google_error(403, "PERMISSION_DENIED", "quotaExceeded", "Search Analytics load quota.")


def forbidden(site: str = "") -> Fault:
    return google_error(
        403,
        "PERMISSION_DENIED",
        "forbidden",
        f"User does not have sufficient permission for site '{site}'. See also: "
        "https://support.google.com/webmasters/answer/2451999.",
    )


def bad_request(message: str) -> Fault:
    return google_error(400, "INVALID_ARGUMENT", "badRequest", message)


def backend_error() -> Fault:
    return google_error(500, "INTERNAL", "backendError", "Backend Error")


class FakeSearchConsoleApi:
    """A few pages and queries per property, deterministic per (key, day)."""

    def __init__(self, tokens, sites: tuple[str, ...], fresh_from: str) -> None:
        self.tokens = tokens
        self.sites = sites
        self.fresh_from = dt.date.fromisoformat(fresh_from)
        self.pages = tuple(
            f"https://www.tienda.cl/{slug}" for slug in ("", "gasfiter", "pintura", "plagas")
        )
        self.queries = ("gasfiter santiago", "pintor", "control de plagas", "tienda", "gasfíter")
        self.metadata_field = "firstIncompleteDate"
        self.faults: list[Fault] = []
        self.fail_after_requests: tuple[int, Fault] | None = None
        self.revoke_tokens_at_request: int | None = None
        self.requests: list[dict] = []
        self.base_url = ""

    def register(self, httpserver) -> None:
        self.base_url = httpserver.url_for("").rstrip("/")
        httpserver.expect_request(QUERY_PATH, method="POST").respond_with_handler(self.query)

    def keys(self, dimension: str) -> tuple[str, ...]:
        return {"date": ("",), "page": self.pages, "query": self.queries}[dimension]

    # Oracle: what every row must land as (final or still incomplete).
    def truth(self, site: str, search_type: str, day: dt.date, key: str) -> dict:
        seed = (
            len(site) * 131 + len(search_type) * 17 + day.toordinal() * 7 + sum(map(ord, key))
        ) % 997
        clicks, impressions = 1 + seed % 40, 60 + seed
        if day >= self.fresh_from:  # still being counted: lower numbers, for now
            clicks, impressions = clicks // 2, impressions // 2
        return {
            "clicks": clicks,
            "impressions": impressions,
            "ctr": round(clicks / impressions, 6),
            "position": round(1 + (seed % 150) / 10, 1),
        }

    def query(self, request: Request) -> Response:
        body = request.get_json()
        site = unquote(request.path.split("/sites/", 1)[1].rsplit("/searchAnalytics/query", 1)[0])
        self.requests.append(
            {
                "site": site,
                "raw_uri": request.environ.get("RAW_URI", ""),
                "authorization": request.headers.get("Authorization"),
                **body,
            }
        )
        if self.faults:
            return _respond(self.faults.pop(0))
        if self.fail_after_requests and len(self.requests) > self.fail_after_requests[0]:
            return _respond(self.fail_after_requests[1])
        if len(self.requests) == self.revoke_tokens_at_request:
            self.tokens.expire_all()  # revoked or rotated server-side, mid-run
        if not self.tokens.accepts(request.headers.get("Authorization")):
            return _respond(
                google_error(401, "UNAUTHENTICATED", "authError", "Invalid Credentials")
            )
        if site not in self.sites:
            return _respond(forbidden(site))
        assert body["dataState"] == "all"
        rows = self._rows(site, body)
        start, limit = body.get("startRow", 0), body["rowLimit"]
        payload: dict = {"responseAggregationType": "byProperty"}
        if rows[start : start + limit]:
            payload["rows"] = rows[start : start + limit]
        if dt.date.fromisoformat(body["endDate"]) >= self.fresh_from:
            payload["metadata"] = {self.metadata_field: self.fresh_from.isoformat()}
        return Response(json.dumps(payload), content_type="application/json")

    def _rows(self, site: str, body: dict) -> list[dict]:
        dimensions = body["dimensions"]
        first, last = (
            dt.date.fromisoformat(body["startDate"]),
            dt.date.fromisoformat(body["endDate"]),
        )
        rows = []
        for offset in range((last - first).days + 1):
            day = first + dt.timedelta(days=offset)
            for key in self.keys(dimensions[-1]):
                truth = self.truth(site, body["type"], day, key)
                keys = [day.isoformat()] + ([key] if len(dimensions) > 1 else [])
                rows.append(
                    {
                        "keys": keys,
                        "clicks": float(truth["clicks"]),
                        "impressions": float(truth["impressions"]),
                        "ctr": truth["ctr"],
                        "position": truth["position"],
                    }
                )
        # Search Console orders rows by clicks, not by day.
        return sorted(rows, key=lambda row: (-row["clicks"], row["keys"]))

    def windows(self, dimensions: list[str]) -> list[tuple[str, str, str, str]]:
        """(site, type, start, end) of every first-page query with these dimensions."""
        return [
            (r["site"], r["type"], r["startDate"], r["endDate"])
            for r in self.requests
            if r.get("dimensions") == dimensions and r.get("startRow", 0) == 0
        ]


def _respond(fault: Fault) -> Response:
    return Response(
        json.dumps(fault.body),
        status=fault.status,
        headers=fault.headers,
        content_type="application/json",
    )
