"""An in-process imitation of the Google Ads API's REST ``searchStream``.

It answers GAQL queries on ``customer`` (currency and timezone) and on
``campaign`` segmented by date, as documented: a JSON array of batches with
``results`` (several batches per answer), int64 metrics as strings, zero
metrics omitted, rows in its own order. It insists on the ``developer-token``
header, on ``login-customer-id`` when configured, and on a live access token
from the fake token endpoint; a customer it does not know is 403
``USER_PERMISSION_DENIED``, as the API answers an account the user cannot
read. Faults are queued by the test and served to the next requests; every
request is logged.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field

from werkzeug import Request, Response

VERSION = "v24"
BETWEEN = re.compile(r"segments\.date BETWEEN '(\d{4}-\d{2}-\d{2})' AND '(\d{4}-\d{2}-\d{2})'")


@dataclass
class Customer:
    currency: str
    timezone: str
    campaigns: tuple[str, ...]


@dataclass
class Fault:
    status: int
    body: object
    headers: dict = field(default_factory=dict)


def quota_exhausted(retry_delay: str = "17s", code: str = "RESOURCE_EXHAUSTED") -> Fault:
    """A 429 as the API sends it, with the suggested delay in the failure details."""
    failure = {
        "@type": f"type.googleapis.com/google.ads.googleads.{VERSION}.errors.GoogleAdsFailure",
        "errors": [
            {
                "errorCode": {"quotaError": code},
                "message": "Too many requests.",
                "details": {
                    "quotaErrorDetails": {
                        "rateScope": "ACCOUNT",
                        "rateName": "Requests per account",
                        "retryDelay": retry_delay,
                    }
                },
            }
        ],
        "requestId": "q1",
    }
    error = {
        "code": 429,
        "message": "Resource has been exhausted.",
        "status": "RESOURCE_EXHAUSTED",
        "details": [failure],
    }
    return Fault(429, [{"error": error}])


def unauthenticated() -> Fault:
    message = "Request had invalid authentication credentials."
    return Fault(401, {"error": {"code": 401, "status": "UNAUTHENTICATED", "message": message}})


def permission_denied() -> Fault:
    failure = {
        "@type": f"type.googleapis.com/google.ads.googleads.{VERSION}.errors.GoogleAdsFailure",
        "errors": [
            {
                "errorCode": {"authorizationError": "USER_PERMISSION_DENIED"},
                "message": "User doesn't have permission to access customer.",
            }
        ],
    }
    return Fault(
        403,
        {
            "error": {
                "code": 403,
                "status": "PERMISSION_DENIED",
                "message": "The caller does not have permission",
                "details": [failure],
            }
        },
    )


def query_error(code: str, message: str) -> Fault:
    """A 400 INVALID_ARGUMENT for a GAQL query the API cannot run."""
    failure = {
        "@type": f"type.googleapis.com/google.ads.googleads.{VERSION}.errors.GoogleAdsFailure",
        "errors": [{"errorCode": {"queryError": code}, "message": message}],
        "requestId": "bad1",
    }
    error = {
        "code": 400,
        "message": "Request contains an invalid argument.",
        "status": "INVALID_ARGUMENT",
        "details": [failure],
    }
    return Fault(400, [{"error": error}])


def unavailable() -> Fault:
    return Fault(
        503,
        {
            "error": {
                "code": 503,
                "status": "UNAVAILABLE",
                "message": "The service is currently unavailable.",
            }
        },
    )


class FakeGoogleAdsApi:
    """Campaign performance per day for a few customers, deterministic per (campaign, day)."""

    def __init__(self, tokens, developer_token: str, customers: dict[str, Customer]) -> None:
        self.tokens = tokens
        self.developer_token = developer_token
        self.customers = customers
        self.login_customer_id: str | None = None
        self.batch_size = 4
        self.faults: list[Fault] = []
        self.fail_after_report_requests: tuple[int, Fault] | None = None
        self.restated: dict[tuple[str, str], dict] = {}
        self.revoke_tokens_at_request: int | None = None
        self.requests: list[dict] = []
        self.base_url = ""

    def register(self, httpserver) -> None:
        self.base_url = httpserver.url_for("").rstrip("/")
        httpserver.expect_request(
            re.compile(rf"^/{VERSION}/customers/\d+/googleAds:searchStream$"), method="POST"
        ).respond_with_handler(self.search_stream)

    # Oracle: what every row must land as.
    def truth(self, campaign_id: str, day: dt.date) -> dict:
        seed = int(campaign_id) * 6151 + day.toordinal() * 3079
        row = {
            # Past 2**53 for one campaign: exact only if never parsed as a float.
            "cost_micros": 9_007_199_254_740_993 + seed
            if campaign_id.endswith("9")
            else (1_000 + seed % 90_000) * 1_000_000 + (seed % 7) * 10_000,
            "impressions": 0 if seed % 11 == 0 else 100 + seed % 5000,
            "clicks": 0 if seed % 11 == 0 else seed % 90,
            "conversions": "0" if seed % 5 == 0 else f"{seed % 7}.5",
            "conversions_value": "0" if seed % 5 == 0 else f"{(seed % 7) * 39990}.25",
        }
        return {**row, **self.restated.get((campaign_id, day.isoformat()), {})}

    def search_stream(self, request: Request) -> Response:
        query = request.get_json()["query"]
        customer_id = request.path.split("/customers/")[1].split("/")[0]
        headers = request.headers
        self.requests.append(
            {
                "customer_id": customer_id,
                "query": query,
                "authorization": headers.get("Authorization"),
                "developer_token": headers.get("developer-token"),
                "login_customer_id": headers.get("login-customer-id"),
            }
        )
        reports_served = sum(1 for r in self.requests if "FROM campaign" in r["query"]) - 1
        if self.faults:
            return _respond(self.faults.pop(0))
        if (
            self.fail_after_report_requests
            and "FROM campaign" in query
            and reports_served >= self.fail_after_report_requests[0]
        ):
            return _respond(self.fail_after_report_requests[1])
        if len(self.requests) == self.revoke_tokens_at_request:
            self.tokens.expire_all()  # revoked or rotated server-side, mid-run
        if not self.tokens.accepts(request.headers.get("Authorization")):
            return _respond(unauthenticated())
        if request.headers.get("developer-token") != self.developer_token:
            return _respond(permission_denied())
        manager = request.headers.get("login-customer-id")
        if self.login_customer_id and manager != self.login_customer_id:
            return _respond(permission_denied())
        if customer_id not in self.customers:
            return _respond(permission_denied())
        customer = self.customers[customer_id]
        if "FROM customer" in query:
            results = [
                {
                    "customer": {
                        "resourceName": f"customers/{customer_id}",
                        "id": customer_id,
                        "currencyCode": customer.currency,
                        "timeZone": customer.timezone,
                    }
                }
            ]
        else:
            since, until = BETWEEN.search(query).groups()
            results = self._rows(customer_id, since, until)
        batches = [
            {
                "results": results[i : i + self.batch_size],
                "fieldMask": "campaign.id,metrics.clicks",
                "requestId": f"r{i}",
            }
            for i in range(0, len(results), self.batch_size)
        ] or [{"fieldMask": "campaign.id", "requestId": "empty"}]
        return Response(json.dumps(batches), content_type="application/json")

    def _rows(self, customer_id: str, since: str, until: str) -> list[dict]:
        first, last = dt.date.fromisoformat(since), dt.date.fromisoformat(until)
        rows = []
        for offset in range((last - first).days + 1):
            day = first + dt.timedelta(days=offset)
            for campaign_id in self.customers[customer_id].campaigns:
                truth = self.truth(campaign_id, day)
                metrics = {
                    "costMicros": str(truth["cost_micros"]),
                    "impressions": str(truth["impressions"]),
                    "clicks": str(truth["clicks"]),
                    "conversions": float(truth["conversions"]),
                    "conversionsValue": float(truth["conversions_value"]),
                }
                rows.append(
                    {
                        "campaign": {
                            "resourceName": f"customers/{customer_id}/campaigns/{campaign_id}",
                            "id": campaign_id,
                            "name": f"Search {campaign_id}",
                            "advertisingChannelType": "SEARCH",
                        },
                        "segments": {"date": day.isoformat()},
                        # proto3 JSON leaves zero values out.
                        "metrics": {k: v for k, v in metrics.items() if v not in ("0", 0.0)},
                    }
                )
        return sorted(rows, key=lambda row: int(row["metrics"].get("costMicros", 0)), reverse=True)

    def report_windows(self) -> list[tuple[str, str, str]]:
        """(customer, since, until) of every campaign query, in order."""
        return [
            (r["customer_id"], *BETWEEN.search(r["query"]).groups())
            for r in self.requests
            if "FROM campaign" in r["query"]
        ]


def _respond(fault: Fault) -> Response:
    return Response(
        json.dumps(fault.body),
        status=fault.status,
        headers=fault.headers,
        content_type="application/json",
    )
