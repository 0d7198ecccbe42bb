"""TikTok API for Business (Marketing API) client: envelope, paging, errors, advertiser settings.

Vendor facts this module honours, each with its reference:

- Every answer is an envelope ``{"code", "message", "request_id", "data"}``, HTTP 200 even
  for most errors: ``code`` 0 is success, anything else an error named by its code.
  https://business-api.tiktok.com/portal/docs?id=1737172488964097
- The access token travels in the ``Access-Token`` header. A long-term token does not
  expire but can be revoked; code 40105 is a missing or incorrect token, 40001 a token
  without permission on the advertiser, 40002 a bad parameter. Codes 40100 (and 40016,
  40133) are request rate limits, counted per second, minute or day; codes 5xxxx (50000,
  50002) are system errors worth another try.
  https://business-api.tiktok.com/portal/docs?id=1737172488964097
- The synchronous report ``GET /open_api/v1.3/report/integrated/get/`` takes
  ``report_type=BASIC``, ``data_level=AUCTION_CAMPAIGN``, ``dimensions`` and ``metrics``
  as JSON arrays, ``start_date`` / ``end_date`` and pages by number: ``page``,
  ``page_size`` (at most 1,000) and ``data.page_info`` (``page``, ``total_page``,
  ``total_number``). With the ``stat_time_day`` dimension a query spans at most 30 days.
  Each row is ``{"dimensions": {...}, "metrics": {...}}``, metrics as strings;
  ``stat_time_day`` reads ``YYYY-MM-DD 00:00:00``. Campaign-level data leaves deleted
  campaigns out unless the ``campaign_status`` filter asks for ``STATUS_ALL`` (their past
  spend was spent all the same); a campaign without delivery in the range has no row.
  https://business-api.tiktok.com/portal/docs?id=1740302848100353
- Report days are days of the advertiser's time zone and amounts are in its currency,
  both read from ``GET /open_api/v1.3/advertiser/info/`` (``currency``, ``timezone`` and
  ``display_timezone``, the region name of the zone).
  https://business-api.tiktok.com/portal/docs?id=1739593083610113
"""

from __future__ import annotations

import decimal
import functools
import json
import typing as t
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import requests
from cerebro_tap_kit.contract_stream import ContractStream
from cerebro_tap_kit.daily_reports import DailyReportStream
from cerebro_tap_kit.http import RetryAfter
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from singer_sdk.pagination import PageNumberPaginator

OK = 0
RATE_LIMITS = frozenset({40016, 40100, 40133})
BAD_TOKEN = 40105
NO_PERMISSION = 40001
# A rate limit is counted per second, minute or day; a minute outlasts the first two.
THROTTLE_WAIT_SECONDS = 60.0
# At most 30 days per query with stat_time_day.
MAX_WINDOW_DAYS = 30
MAX_PAGE_SIZE = 1000


@dataclass(frozen=True)
class Advertiser:
    """What the report rows do not say: the advertiser's name, time zone and currency."""

    advertiser_id: str
    name: str | None
    timezone: str
    currency: str | None


class TikTokPaginator(PageNumberPaginator):
    """Next page while ``data.page_info.page`` is below ``total_page``."""

    def has_more(self, response: requests.Response) -> bool:
        """Whether the report has pages after this one."""
        info = (envelope(response).get("data") or {}).get("page_info") or {}
        return int(info.get("page", 1)) < int(info.get("total_page", 1))


def envelope(response: requests.Response) -> dict[str, t.Any]:
    """The answer's envelope ({} when the body is not a JSON object)."""
    try:
        payload = response.json(parse_float=decimal.Decimal)
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


def zone_name(info: dict) -> str:
    """The advertiser's IANA time zone: ``display_timezone`` (a region, e.g.
    ``America/Santiago``, which follows daylight saving), else ``timezone``."""
    for candidate in (info.get("display_timezone"), info.get("timezone")):
        if not candidate:
            continue
        try:
            ZoneInfo(str(candidate))
        except (ZoneInfoNotFoundError, ValueError):
            continue
        return str(candidate)
    raise FatalAPIError(
        f"TikTok gave advertiser {info.get('advertiser_id')} no time zone Cerebro knows "
        f"(timezone {info.get('timezone')!r}, display_timezone {info.get('display_timezone')!r})"
    )


class TikTokReportStream(ContractStream, DailyReportStream):
    """Base of the TikTok streams: API root, token header, envelope errors and paging."""

    source = "tiktok_ads"
    window_days = MAX_WINDOW_DAYS

    @property
    def url_base(self) -> str:
        """``base_url`` and the configured API version."""
        return f"{self.config['base_url'].rstrip('/')}/open_api/{self.config['api_version']}"

    @property
    def http_headers(self) -> dict:
        """The access token travels in the ``Access-Token`` header, never in a URL."""
        return {**super().http_headers, "Access-Token": self.config["access_token"]}

    @property
    def partitions(self) -> list[dict]:
        """One partition (and bookmark) per advertiser account."""
        return [{"advertiser_id": str(a)} for a in self.config["advertiser_ids"]]

    def lookback_days(self) -> int:
        """TikTok attributes conversions to the day of the ad interaction for up to 28 days
        (the longest click-through window), so recent days change."""
        return int(self.config.get("lookback_days", 28))

    def page_size(self) -> int:
        """Rows per page: the configured size, at most the API's 1,000."""
        return min(int(self.config.get("page_size", MAX_PAGE_SIZE)), MAX_PAGE_SIZE)

    def get_new_paginator(self) -> TikTokPaginator:
        """Pages by number, from 1."""
        return TikTokPaginator(start_value=1)

    def parse_response(self, response: requests.Response) -> t.Iterable[dict]:
        """The rows of ``data.list``."""
        yield from (envelope(response).get("data") or {}).get("list") or []

    @functools.cached_property
    def _advertisers(self) -> dict[str, Advertiser]:
        return {}

    def advertiser(self, context: dict | None) -> Advertiser:
        """The partition's advertiser settings, read once per run."""
        advertiser_id = (context or {})["advertiser_id"]
        if advertiser_id not in self._advertisers:
            payload = self.send_json(
                "GET",
                f"{self.url_base}/advertiser/info/",
                params={
                    "advertiser_ids": json.dumps([advertiser_id]),
                    "fields": json.dumps(
                        ["advertiser_id", "name", "currency", "timezone", "display_timezone"]
                    ),
                },
            )
            found = [
                item
                for item in (payload.get("data") or {}).get("list") or []
                if str(item.get("advertiser_id")) == advertiser_id
            ]
            if not found:
                raise FatalAPIError(
                    f"TikTok returned no settings for advertiser {advertiser_id}. Check "
                    "advertiser_ids, and that the token was authorized for that ad account."
                )
            info = found[0]
            self._advertisers[advertiser_id] = Advertiser(
                advertiser_id=advertiser_id,
                name=info.get("name"),
                timezone=zone_name(info),
                currency=info.get("currency"),
            )
        return self._advertisers[advertiser_id]

    def report_timezone(self, context: dict | None) -> str:
        """Report days are the advertiser's days."""
        return self.advertiser(context).timezone

    def validate_response(self, response: requests.Response) -> None:
        """The envelope's code decides: throttling waits, token errors stop, 5xxxx retries."""
        body = envelope(response)
        code = body.get("code")
        if response.status_code < 400 and code == OK:
            return
        message = self.redact(str(body.get("message", "")))
        where = f"(HTTP {response.status_code}, request_id {body.get('request_id', '-')})"
        if code in RATE_LIMITS or response.status_code == 429:
            raise RetryAfter(
                f"TikTok is limiting the request rate (code {code}: {message}) {where}",
                response,
                wait_seconds=THROTTLE_WAIT_SECONDS,
            )
        if code == BAD_TOKEN:
            raise FatalAPIError(
                f"TikTok rejected the access token (code {code}: {message}) {where}. It was "
                "revoked or mistyped: authorize the app again in TikTok for Business and put "
                "the new long-term token in the environment variable the tenant names for "
                "access_token."
            )
        if code == NO_PERMISSION:
            raise FatalAPIError(
                f"TikTok refused access (code {code}: {message}) {where}. Check advertiser_ids, "
                "and that the token's app was authorized for those ad accounts with the "
                "Reporting and Ad Account Management scopes."
            )
        if response.status_code >= 500 or (isinstance(code, int) and code >= 50000):
            raise RetriableAPIError(
                f"TikTok had a transient error (code {code}: {message}) {where}", response
            )
        raise FatalAPIError(
            f"TikTok Marketing API error (code {code}: {message}) {where} for "
            f"{self.redact(response.request.path_url.split('?')[0])}"
        )


def as_decimal(value: t.Any) -> decimal.Decimal | None:
    """A TikTok metric string ("1234.56") as an exact decimal; "-" or empty is unknown."""
    return None if value in (None, "", "-") else decimal.Decimal(str(value))


def as_int(value: t.Any) -> int | None:
    """A TikTok count string ("1234") as an integer; "-" or empty is unknown."""
    return None if value in (None, "", "-") else int(decimal.Decimal(str(value)))
