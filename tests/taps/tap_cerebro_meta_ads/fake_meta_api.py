"""An in-process imitation of the Marketing API's ad account and insights endpoints.

It behaves as the documentation describes: insights for ``level=campaign`` and
``time_increment=1`` in pages chained by ``paging.next`` (absent on the last
page), rows in the API's own order (by spend, not by day), every metric a
string, purchases reported under both ``purchase`` and the pixel's action type,
errors as ``{"error": {"code": ...}}`` with usage headers when throttling, and
an ad account it does not know answered with code 100, subcode 33, as Graph
answers an object that does not exist or that the token cannot see.
Faults are queued by the test and served in order to the next insights
requests. Every request is logged for the test to inspect.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from werkzeug import Request, Response

VERSION = "v25.0"


@dataclass
class Account:
    timezone: str
    currency: str
    campaigns: tuple[str, ...]


@dataclass
class Fault:
    status: int
    body: dict
    headers: dict = field(default_factory=dict)


def throttled(code: int, *, regain_minutes: int | None = None, reset_seconds: int | None = None):
    """The 400 Meta sends when a rate limit is hit, with the usage headers that say how long."""
    headers = {}
    if regain_minutes is not None:
        usage = {
            "type": "ads_insights",
            "call_count": 100,
            "total_cputime": 40,
            "total_time": 55,
            "estimated_time_to_regain_access": regain_minutes,
        }
        headers["x-business-use-case-usage"] = json.dumps({"1029384756": [usage]})
    if reset_seconds is not None:
        headers["x-ad-account-usage"] = json.dumps(
            {"acc_id_util_pct": 100, "reset_time_duration": reset_seconds}
        )
    body = {
        "error": {
            "message": f"(#{code}) User request limit reached",
            "type": "OAuthException",
            "code": code,
            "error_subcode": 2446079,
            "is_transient": True,
            "fbtrace_id": "AbCdEf",
        }
    }
    return Fault(400, body, headers)


def expired_token() -> Fault:
    body = {
        "error": {
            "message": "Error validating access token: Session has expired.",
            "type": "OAuthException",
            "code": 190,
            "error_subcode": 463,
            "fbtrace_id": "XyZ",
        }
    }
    return Fault(400, body)


def unknown_object(object_id: str) -> Fault:
    body = {
        "error": {
            "message": f"Unsupported get request. Object with ID '{object_id}' does not exist, "
            "cannot be loaded due to missing permissions, or does not support this operation. "
            "Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api",
            "type": "GraphMethodException",
            "code": 100,
            "error_subcode": 33,
            "fbtrace_id": "Unk",
        }
    }
    return Fault(400, body)


def bad_parameter(message: str) -> Fault:
    body = {
        "error": {
            "message": f"(#100) {message}",
            "type": "OAuthException",
            "code": 100,
            "fbtrace_id": "Par",
        }
    }
    return Fault(400, body)


def server_error() -> Fault:
    body = {
        "error": {
            "message": "An unknown error occurred",
            "type": "OAuthException",
            "code": 1,
            "is_transient": True,
            "fbtrace_id": "Srv",
        }
    }
    return Fault(500, body)


class FakeMetaApi:
    """Insights for a few campaigns of a few ad accounts, deterministic per (campaign, day)."""

    def __init__(self, token: str, accounts: dict[str, Account]) -> None:
        self.token = token
        self.accounts = accounts
        self.faults: list[Fault] = []
        self.fail_after_insights_requests: tuple[int, Fault] | None = None
        self.restated: dict[tuple[str, str], dict] = {}
        # Usage headers for the next successful insights page (quota nearly used up).
        self.usage_headers_once: dict[str, str] = {}
        self.requests: list[dict] = []
        self.base_url = ""

    def register(self, httpserver) -> None:
        self.base_url = httpserver.url_for("").rstrip("/")
        httpserver.expect_request(re.compile(rf"^/{VERSION}/act_\d+$")).respond_with_handler(
            self.ad_account
        )
        httpserver.expect_request(
            re.compile(rf"^/{VERSION}/act_\d+/insights$")
        ).respond_with_handler(self.insights)

    # Oracle: what every row must land as.
    def truth(self, campaign_id: str, day: dt.date) -> dict:
        seed = int(campaign_id) * 7919 + day.toordinal() * 104729
        account = self._account_of(campaign_id)
        cents = "" if account.currency == "CLP" else f".{seed % 100:02d}"
        # A third of the campaigns report no purchase action at all.
        purchases = 0 if int(campaign_id) % 3 == 2 else seed % 4
        row = {
            "spend": f"{1000 + seed % 99000}{cents}",
            "impressions": str(5000 + seed % 20000),
            "clicks": str(50 + seed % 400),
            "reach": str(3000 + seed % 9000),
            "purchases": purchases,
            "purchase_value": f"{purchases * 24990}{cents}",
        }
        return {**row, **self.restated.get((campaign_id, day.isoformat()), {})}

    def ad_account(self, request: Request) -> Response:
        self._log(request)
        if not self._authorized(request):
            return _json(expired_token())
        account_id = request.path.rsplit("act_", 1)[1]
        if account_id not in self.accounts:
            return _json(unknown_object(f"act_{account_id}"))
        account = self.accounts[account_id]
        return Response(
            json.dumps(
                {
                    "account_id": account_id,
                    "currency": account.currency,
                    "timezone_name": account.timezone,
                    "id": f"act_{account_id}",
                }
            ),
            content_type="application/json",
        )

    def insights(self, request: Request) -> Response:
        self._log(request)
        served = sum(1 for r in self.requests if r["path"].endswith("/insights")) - 1
        if self.faults:
            return _json(self.faults.pop(0))
        if self.fail_after_insights_requests and served >= self.fail_after_insights_requests[0]:
            return _json(self.fail_after_insights_requests[1])
        if not self._authorized(request):
            return _json(expired_token())
        assert request.args["level"] == "campaign" and request.args["time_increment"] == "1"
        account_id = request.path.split("act_", 1)[1].split("/")[0]
        window = json.loads(request.args["time_range"])
        rows = self._rows(account_id, window["since"], window["until"])
        limit = int(request.args.get("limit", 25))
        offset = int(base64.b64decode(request.args["after"])) if "after" in request.args else 0
        page = rows[offset : offset + limit]
        body: dict = {"data": page, "paging": {"cursors": {"before": "MA==", "after": "MQ=="}}}
        if offset + limit < len(rows):
            cursor = base64.b64encode(str(offset + limit).encode()).decode()
            query = {**request.args.to_dict(), "after": cursor}
            body["paging"]["next"] = f"{self.base_url}{request.path}?{urlencode(query)}"
        headers, self.usage_headers_once = self.usage_headers_once, {}
        return Response(json.dumps(body), headers=headers, content_type="application/json")

    def _rows(self, account_id: str, since: str, until: str) -> list[dict]:
        account = self.accounts[account_id]
        first, last = dt.date.fromisoformat(since), dt.date.fromisoformat(until)
        rows = []
        for offset in range((last - first).days + 1):
            day = first + dt.timedelta(days=offset)
            for campaign_id in account.campaigns:
                truth = self.truth(campaign_id, day)
                rows.append(
                    {
                        "account_id": account_id,
                        "account_currency": account.currency,
                        "campaign_id": campaign_id,
                        "campaign_name": f"Campaña {campaign_id}",
                        "date_start": day.isoformat(),
                        "date_stop": day.isoformat(),
                        "spend": truth["spend"],
                        "impressions": truth["impressions"],
                        "clicks": truth["clicks"],
                        "reach": truth["reach"],
                        **_actions(truth, int(campaign_id) % 3),
                    }
                )
        # The API's order is not the day's: biggest spenders first.
        return sorted(rows, key=lambda row: Decimal(row["spend"]), reverse=True)

    def _account_of(self, campaign_id: str) -> Account:
        return next(a for a in self.accounts.values() if campaign_id in a.campaigns)

    def _authorized(self, request: Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {self.token}"

    def _log(self, request: Request) -> None:
        self.requests.append(
            {
                "path": request.path,
                "args": request.args.to_dict(),
                "authorization": request.headers.get("Authorization"),
            }
        )

    def insights_windows(self) -> list[tuple[str, str, str]]:
        """(account, since, until) of every first-page insights request, in order."""
        out = []
        for r in self.requests:
            if r["path"].endswith("/insights") and "after" not in r["args"]:
                window = json.loads(r["args"]["time_range"])
                account_id = r["path"].split("act_")[1].split("/")[0]
                out.append((account_id, window["since"], window["until"]))
        return out


def _actions(truth: dict, style: int) -> dict:
    """Purchases as Meta reports them: under both types, the pixel's only, or not at all."""
    purchases, value = truth["purchases"], truth["purchase_value"]
    clicks = {"action_type": "link_click", "value": truth["clicks"]}
    pixel = "offsite_conversion.fb_pixel_purchase"
    if style == 0:  # "purchase" already counts the pixel's purchases: never add both
        return {
            "actions": [
                clicks,
                {"action_type": "purchase", "value": str(purchases)},
                {"action_type": pixel, "value": str(purchases)},
            ],
            "action_values": [
                {"action_type": "purchase", "value": value},
                {"action_type": pixel, "value": value},
            ],
        }
    if style == 1:
        return {
            "actions": [clicks, {"action_type": pixel, "value": str(purchases)}],
            "action_values": [{"action_type": pixel, "value": value}],
        }
    return {"actions": [clicks]}


def _json(fault: Fault) -> Response:
    return Response(
        json.dumps(fault.body),
        status=fault.status,
        headers=fault.headers,
        content_type="application/json",
    )
