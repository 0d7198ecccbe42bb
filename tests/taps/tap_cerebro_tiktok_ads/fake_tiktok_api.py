"""An in-process imitation of the TikTok API for Business: advertiser info and the
synchronous integrated report, as the documentation describes them.

Every answer is the ``{"code", "message", "request_id", "data"}`` envelope, with HTTP 200
for errors too. The report insists on ``report_type=BASIC``, ``data_level=AUCTION_CAMPAIGN``,
the dimensions ``["campaign_id", "stat_time_day"]`` and at most 30 days per query (40002
otherwise), pages by ``page`` / ``page_size`` (1-1,000) with ``data.page_info``, returns
metrics as strings and ``stat_time_day`` as ``YYYY-MM-DD 00:00:00``, leaves out the
campaign-days without delivery, lists rows biggest spender first and leaves deleted
campaigns out unless the ``campaign_status`` filter asks for ``STATUS_ALL``. The token
travels in the ``Access-Token`` header (40105 when it is wrong); an advertiser the token
cannot see is 40001. Faults are queued by the test and served to the next report
requests; every request is logged.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal

from werkzeug import Request, Response

VERSION = "v1.3"


@dataclass
class Advertiser:
    name: str
    currency: str
    # TikTok's `timezone` is a fixed offset; `display_timezone` names the region.
    timezone: str
    display_timezone: str
    campaigns: tuple[str, ...]
    deleted_campaigns: tuple[str, ...] = ()


@dataclass
class Fault:
    code: int
    message: str
    status: int = 200


def throttled(code: int = 40100) -> Fault:
    return Fault(code, "Too many requests. Please retry in some time.")


def bad_token() -> Fault:
    return Fault(40105, "The access token is invalid or has been revoked.")


def no_permission(advertiser_id: str) -> Fault:
    return Fault(40001, f"No permission to operate advertiser {advertiser_id}.")


def bad_parameter(message: str) -> Fault:
    return Fault(40002, message)


def system_error(code: int = 50000, status: int = 200) -> Fault:
    return Fault(code, "System error, please try again later.", status)


class FakeTikTokApi:
    """Campaign reports for a few advertisers, deterministic per (campaign, day)."""

    def __init__(self, token: str, advertisers: dict[str, Advertiser]) -> None:
        self.token = token
        self.advertisers = advertisers
        self.faults: list[Fault] = []
        self.fail_after_report_requests: tuple[int, Fault] | None = None
        self.restated: dict[tuple[str, str], dict] = {}
        self.requests: list[dict] = []
        self.base_url = ""

    def register(self, httpserver) -> None:
        self.base_url = httpserver.url_for("").rstrip("/")
        root = f"/open_api/{VERSION}"
        httpserver.expect_request(f"{root}/advertiser/info/").respond_with_handler(self.info)
        httpserver.expect_request(f"{root}/report/integrated/get/").respond_with_handler(
            self.report
        )

    # Oracle: what every row must land as (None: no delivery that day, no row).
    def truth(self, campaign_id: str, day: dt.date) -> dict | None:
        seed = int(campaign_id) * 7127 + day.toordinal() * 50021
        if seed % 9 == 0:
            return None
        advertiser = self._advertiser_of(campaign_id)
        cents = "00" if advertiser.currency == "CLP" else f"{seed % 100:02d}"
        purchases = seed % 5
        row = {
            "spend": f"{2000 + seed % 60000}.{cents}",
            "impressions": str(4000 + seed % 30000),
            "clicks": str(20 + seed % 300),
            "conversion": str(seed % 11),
            "complete_payment": str(purchases),
            "total_complete_payment_rate": f"{purchases * 19990}.{cents}",
        }
        return {**row, **self.restated.get((campaign_id, day.isoformat()), {})}

    def info(self, request: Request) -> Response:
        self._log(request)
        if request.headers.get("Access-Token") != self.token:
            return _envelope(bad_token())
        wanted = json.loads(request.args["advertiser_ids"])
        unknown = [a for a in wanted if a not in self.advertisers]
        if unknown:
            return _envelope(no_permission(unknown[0]))
        rows = [
            {
                "advertiser_id": advertiser_id,
                "name": self.advertisers[advertiser_id].name,
                "currency": self.advertisers[advertiser_id].currency,
                "timezone": self.advertisers[advertiser_id].timezone,
                "display_timezone": self.advertisers[advertiser_id].display_timezone,
            }
            for advertiser_id in wanted
        ]
        return _envelope(data={"list": rows})

    def report(self, request: Request) -> Response:
        self._log(request)
        served = sum(1 for r in self.requests if r["path"].endswith("/report/integrated/get/"))
        if self.faults:
            return _envelope(self.faults.pop(0))
        if self.fail_after_report_requests and served > self.fail_after_report_requests[0]:
            return _envelope(self.fail_after_report_requests[1])
        if request.headers.get("Access-Token") != self.token:
            return _envelope(bad_token())
        args = request.args
        advertiser_id = args["advertiser_id"]
        if advertiser_id not in self.advertisers:
            return _envelope(no_permission(advertiser_id))
        assert args["report_type"] == "BASIC" and args["data_level"] == "AUCTION_CAMPAIGN"
        assert json.loads(args["dimensions"]) == ["campaign_id", "stat_time_day"]
        since, until = (dt.date.fromisoformat(args[k]) for k in ("start_date", "end_date"))
        if (until - since).days >= 30:
            return _envelope(bad_parameter("The time span cannot exceed 30 days."))
        page, page_size = int(args.get("page", 1)), int(args.get("page_size", 10))
        if not 1 <= page_size <= 1000:
            return _envelope(bad_parameter("page_size: must be between 1 and 1000."))
        filters = json.loads(args.get("filtering", "[]"))
        everything = any(
            f["field_name"] == "campaign_status" and "STATUS_ALL" in json.loads(f["filter_value"])
            for f in filters
        )
        rows = self._rows(advertiser_id, since, until, json.loads(args["metrics"]), everything)
        total_page = max(1, -(-len(rows) // page_size))
        data = {
            "list": rows[(page - 1) * page_size : page * page_size],
            "page_info": {
                "page": page,
                "page_size": page_size,
                "total_number": len(rows),
                "total_page": total_page,
            },
        }
        return _envelope(data=data)

    def _rows(self, advertiser_id, since, until, metrics, with_deleted) -> list[dict]:
        advertiser = self.advertisers[advertiser_id]
        campaigns = advertiser.campaigns + (advertiser.deleted_campaigns if with_deleted else ())
        rows = []
        for offset in range((until - since).days + 1):
            day = since + dt.timedelta(days=offset)
            for campaign_id in campaigns:
                truth = self.truth(campaign_id, day)
                if truth is None:
                    continue
                values = {**truth, "campaign_name": f"TikTok {campaign_id}"}
                rows.append(
                    {
                        "dimensions": {
                            "campaign_id": campaign_id,
                            "stat_time_day": f"{day.isoformat()} 00:00:00",
                        },
                        "metrics": {name: values[name] for name in metrics},
                    }
                )
        # The API's order is not the day's: biggest spenders first.
        return sorted(rows, key=lambda row: Decimal(row["metrics"]["spend"]), reverse=True)

    def _advertiser_of(self, campaign_id: str) -> Advertiser:
        return next(
            a for a in self.advertisers.values() if campaign_id in a.campaigns + a.deleted_campaigns
        )

    def _log(self, request: Request) -> None:
        self.requests.append(
            {
                "path": request.path,
                "args": request.args.to_dict(),
                "token": request.headers.get("Access-Token"),
            }
        )

    def report_windows(self) -> list[tuple[str, str, str]]:
        """(advertiser, start, end) of every first-page report request, in order."""
        return [
            (r["args"]["advertiser_id"], r["args"]["start_date"], r["args"]["end_date"])
            for r in self.requests
            if r["path"].endswith("/report/integrated/get/") and r["args"].get("page") == "1"
        ]


def _envelope(fault: Fault | None = None, data: dict | None = None) -> Response:
    body = {
        "code": fault.code if fault else 0,
        "message": fault.message if fault else "OK",
        "request_id": "2026112312000000ABCDEF",
        "data": data or {},
    }
    return Response(
        json.dumps(body), status=fault.status if fault else 200, content_type="application/json"
    )
