"""An in-process imitation of the Amazon Ads API: profiles and the asynchronous reports (v3),
plus the pre-signed address the report file is downloaded from.

As documented: every call needs ``Amazon-Advertising-API-ClientId`` and a live
``Authorization: Bearer`` token (from the fake Login with Amazon endpoint, 401 otherwise);
report calls need ``Amazon-Advertising-API-Scope`` with a known profile.
``POST /reporting/reports`` (content type ``application/vnd.createasyncreportrequest.v3+json``)
checks the configuration (``spCampaigns``, ``SPONSORED_PRODUCTS``, ``DAILY``, ``GZIP_JSON``),
refuses more than 31 days or a start older than 95 days (400), and answers ``PENDING``;
``GET /reporting/reports/{id}`` moves through ``PROCESSING`` to ``COMPLETED`` (with ``url``
and ``urlExpiresAt``) or ``FAILED`` (with ``failureReason``). The file is a gzipped JSON
array of the requested columns, one object per campaign and day with impressions, numbers
as JSON numbers, in no particular order. The download address refuses a second
authentication (an ``Authorization`` header, as S3 does) and can expire (403). An
identical request while the first is generating is 425. Faults are queued by the test and
served to the next report calls; every request is logged.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from dataclasses import dataclass, field

from werkzeug import Request, Response

CONTENT_TYPE = "application/vnd.createasyncreportrequest.v3+json"


@dataclass
class Profile:
    country_code: str
    currency_code: str
    timezone: str
    marketplace_id: str
    account_name: str
    campaigns: tuple[int, ...]


@dataclass
class Fault:
    status: int
    body: dict
    headers: dict = field(default_factory=dict)


def throttled(retry_after: int | None = 7) -> Fault:
    headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
    return Fault(429, {"code": "429", "details": "Too Many Requests"}, headers)


def server_error(status: int = 500) -> Fault:
    return Fault(status, {"code": "INTERNAL_ERROR", "details": "Internal Server Error"})


def bad_request(details: str) -> Fault:
    return Fault(400, {"code": "400", "details": details})


def unauthorized(details: str = "Not authorized to access scope") -> Fault:
    return Fault(401, {"code": "UNAUTHORIZED", "details": details})


class FakeAmazonAdsApi:
    """Sponsored Products campaigns of a few profiles, deterministic per (campaign, day)."""

    def __init__(self, tokens, client_id: str, profiles: dict[str, Profile], today: dt.date):
        self.tokens = tokens
        self.client_id = client_id
        self.profiles = dict(profiles)
        self.today = today
        self.polls_until_ready = 2
        self.fail_next_reports = 0
        self.refuse_as_duplicate = 0
        self.expire_next_downloads = 0
        # Every token issued so far is rejected once this many reports were accepted.
        self.revoke_tokens_after_reports: int | None = None
        self.faults: list[Fault] = []
        self.fail_after_reports: tuple[int, Fault] | None = None
        self.restated: dict[tuple[int, str], dict] = {}
        self.reports: dict[str, dict] = {}
        self.requests: list[dict] = []
        self.base_url = ""

    def register(self, httpserver) -> None:
        self.base_url = httpserver.url_for("").rstrip("/")
        httpserver.expect_request("/v2/profiles", method="GET").respond_with_handler(
            self.list_profiles
        )
        httpserver.expect_request("/reporting/reports", method="POST").respond_with_handler(
            self.create_report
        )
        httpserver.expect_request(
            re.compile(r"^/reporting/reports/[\w-]+$"), method="GET"
        ).respond_with_handler(self.report_status)
        httpserver.expect_request(
            re.compile(r"^/download/[\w-]+\.json\.gz$"), method="GET"
        ).respond_with_handler(self.download)

    # Oracle: what every row must land as (None: no impressions that day, no row).
    def truth(self, campaign_id: int, day: dt.date) -> dict | None:
        seed = campaign_id % 100_003 * 31 + day.toordinal() * 977
        if seed % 8 == 0:
            return None
        purchases7 = seed % 6
        row = {
            "impressions": 300 + seed % 9000,
            "clicks": 3 + seed % 120,
            "cost": f"{5 + seed % 400}.{seed % 100:02d}",
            "purchases7d": purchases7,
            "sales7d": f"{purchases7 * 24}.{(seed * 7) % 100:02d}",
            "purchases14d": purchases7 + seed % 2,
            "sales14d": f"{(purchases7 + seed % 2) * 24}.{(seed * 7) % 100:02d}",
        }
        return {**row, **self.restated.get((campaign_id, day.isoformat()), {})}

    def list_profiles(self, request: Request) -> Response:
        self._log(request)
        if refused := self._refuse(request, scoped=False):
            return _json(refused)
        body = [
            {
                "profileId": int(profile_id),
                "countryCode": profile.country_code,
                "currencyCode": profile.currency_code,
                "dailyBudget": 999999999.0,
                "timezone": profile.timezone,
                "accountInfo": {
                    "marketplaceStringId": profile.marketplace_id,
                    "id": f"ENTITY{profile_id}",
                    "type": "seller",
                    "name": profile.account_name,
                    "validPaymentMethod": True,
                },
            }
            for profile_id, profile in self.profiles.items()
        ]
        return Response(json.dumps(body), content_type="application/json")

    def create_report(self, request: Request) -> Response:
        self._log(request)
        created = sum(1 for r in self.requests if r["method"] == "POST")
        if self.faults:
            return _json(self.faults.pop(0))
        if len(self.reports) == self.revoke_tokens_after_reports and not self.tokens.rejected:
            self.tokens.expire_all()  # revoked or rotated server-side, mid-run
        if self.fail_after_reports and created > self.fail_after_reports[0]:
            return _json(self.fail_after_reports[1])
        if refused := self._refuse(request, scoped=True):
            return _json(refused)
        if request.headers.get("Content-Type") != CONTENT_TYPE:
            return _json(Fault(415, {"code": "415", "details": "Unsupported Media Type"}))
        body = request.get_json(force=True)
        config = body["configuration"]
        assert (config["reportTypeId"], config["adProduct"], config["timeUnit"],
                config["format"], config["groupBy"]) == (
            "spCampaigns", "SPONSORED_PRODUCTS", "DAILY", "GZIP_JSON", ["campaign"])  # fmt: skip
        start, end = (dt.date.fromisoformat(body[k]) for k in ("startDate", "endDate"))
        if (end - start).days >= 31:
            return _json(bad_request("The date range cannot be longer than 31 days"))
        if start < self.today - dt.timedelta(days=95):
            return _json(bad_request(f"startDate {start} is older than 95 days"))
        if self.refuse_as_duplicate:
            self.refuse_as_duplicate -= 1
            return _json(Fault(425, {"code": "425", "details": "The Request is a duplicate"}))
        report_id = f"{len(self.reports) + 1:08d}-aaaa-bbbb-cccc-{len(self.requests):012d}"
        failed = self.fail_next_reports > 0
        self.fail_next_reports -= failed
        self.reports[report_id] = {
            "profile_id": request.headers["Amazon-Advertising-API-Scope"],
            "body": body,
            "polls": 0,
            "failed": failed,
        }
        return Response(json.dumps(self._status(report_id)), content_type="application/json")

    def report_status(self, request: Request) -> Response:
        self._log(request)
        if self.faults:
            return _json(self.faults.pop(0))
        if refused := self._refuse(request, scoped=True):
            return _json(refused)
        report_id = request.path.rsplit("/", 1)[1]
        self.reports[report_id]["polls"] += 1
        return Response(json.dumps(self._status(report_id)), content_type="application/json")

    def download(self, request: Request) -> Response:
        self._log(request)
        if request.headers.get("Authorization"):
            return _xml(400, "InvalidArgument", "Only one auth mechanism allowed")
        if self.expire_next_downloads:
            self.expire_next_downloads -= 1
            return _xml(403, "AccessDenied", "Request has expired")
        report = self.reports[request.path.rsplit("/", 1)[1].removesuffix(".json.gz")]
        rows = self._rows(report)
        return Response(gzip.compress(json.dumps(rows).encode()),
                        content_type="application/octet-stream")  # fmt: skip

    def _status(self, report_id: str) -> dict:
        report = self.reports[report_id]
        body, polls = report["body"], report["polls"]
        status = "PENDING" if polls == 0 else "PROCESSING"
        url = None
        if polls >= self.polls_until_ready:
            status = "FAILED" if report["failed"] else "COMPLETED"
        if status == "COMPLETED":
            url = f"{self.base_url}/download/{report_id}.json.gz"
        return {
            "reportId": report_id,
            "name": body["name"],
            "startDate": body["startDate"],
            "endDate": body["endDate"],
            "configuration": body["configuration"],
            "status": status,
            "failureReason": "Report generation failed" if status == "FAILED" else None,
            "url": url,
            "urlExpiresAt": "2099-01-01T00:00:00Z" if url else None,
            "fileSize": None,
            "createdAt": "2025-01-15T00:00:00Z",
            "updatedAt": "2025-01-15T00:00:00Z",
            "generatedAt": None,
        }

    def _rows(self, report: dict) -> list[dict]:
        body = report["body"]
        profile = self.profiles[report["profile_id"]]
        columns = body["configuration"]["columns"]
        start, end = (dt.date.fromisoformat(body[k]) for k in ("startDate", "endDate"))
        rows = []
        for offset in range((end - start).days + 1):
            day = start + dt.timedelta(days=offset)
            for campaign_id in profile.campaigns:
                truth = self.truth(campaign_id, day)
                if truth is None:
                    continue
                values = {
                    "date": day.isoformat(),
                    "campaignId": campaign_id,
                    "campaignName": f"SP {campaign_id}",
                    "campaignStatus": "ENABLED",
                    "campaignBudgetCurrencyCode": profile.currency_code,
                    **{k: float(v) if isinstance(v, str) else v for k, v in truth.items()},
                }
                rows.append({column: values[column] for column in columns})
        # No particular order: by cost, biggest first.
        return sorted(rows, key=lambda row: row.get("cost", 0), reverse=True)

    def _refuse(self, request: Request, *, scoped: bool) -> Fault | None:
        if not self.tokens.accepts(request.headers.get("Authorization")):
            return unauthorized("Unauthorized")
        if request.headers.get("Amazon-Advertising-API-ClientId") != self.client_id:
            return Fault(400, {"code": "400", "details": "Invalid client id"})
        if scoped and request.headers.get("Amazon-Advertising-API-Scope") not in self.profiles:
            return unauthorized("No matching advertiser found for scope")
        return None

    def _log(self, request: Request) -> None:
        self.requests.append(
            {
                "method": request.method,
                "path": request.path,
                "body": request.get_json(force=True, silent=True),
                "authorization": request.headers.get("Authorization"),
                "scope": request.headers.get("Amazon-Advertising-API-Scope"),
            }
        )

    def report_windows(self) -> list[tuple[str, str, str]]:
        """(profile, start, end) of every accepted report request, in order."""
        return [
            (r["profile_id"], r["body"]["startDate"], r["body"]["endDate"])
            for r in self.reports.values()
        ]


def _json(fault: Fault) -> Response:
    return Response(json.dumps(fault.body), status=fault.status, headers=fault.headers,
                    content_type="application/json")  # fmt: skip


def _xml(status: int, code: str, message: str) -> Response:
    body = f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code>" \
           f"<Message>{message}</Message></Error>"  # fmt: skip
    return Response(body, status=status, content_type="application/xml")
