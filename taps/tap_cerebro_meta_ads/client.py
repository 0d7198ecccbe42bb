"""Meta Marketing API (Graph API) client: paging, throttling, errors, ad account settings.

Vendor facts this module honours, each with its reference:

- Insights pages chain through ``paging.next`` (absent on the last page); its
  query string carries the cursor and every parameter of the first request.
  https://developers.facebook.com/docs/graph-api/results
- Throttling is HTTP 400 with ``error.code`` 4, 17, 613 or 80000-80014 and
  ``is_transient``; the ``X-Business-Use-Case-Usage`` header gives
  ``estimated_time_to_regain_access`` in minutes and ``X-Ad-Account-Usage``
  gives ``reset_time_duration`` in seconds.
  https://developers.facebook.com/docs/marketing-api/overview/rate-limiting
  https://developers.facebook.com/docs/graph-api/overview/rate-limiting
- The error object, the throttling codes and the usage headers' waits are read by
  ``cerebro_tap_kit.meta_errors``, which the Custom Audiences destination shares.
- Code 190 is an expired or revoked access token: fatal. Code 100 with subcode
  33 is an object (an ad account) that does not exist or that the token cannot
  see: fatal, naming the account_ids setting.
  https://developers.facebook.com/docs/graph-api/guides/error-handling
- Every metric arrives as a JSON string; days are days of the ad account's
  timezone (``timezone_name`` on the ad account), amounts in its currency.
  https://developers.facebook.com/docs/marketing-api/insights
"""

from __future__ import annotations

import decimal
import functools
import typing as t
from dataclasses import dataclass
from urllib.parse import parse_qsl

import requests
from cerebro_tap_kit.contract_stream import ContractStream
from cerebro_tap_kit.daily_reports import DailyReportStream
from cerebro_tap_kit.http import RetryAfter, json_body
from cerebro_tap_kit.meta_errors import (
    EXPIRED_TOKEN_CODE,
    THROTTLE_FALLBACK_SECONDS,
    THROTTLING_CODES,
    UNKNOWN_OBJECT,
    graph_error,
    header_json,
    regain_access_seconds,
)
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from singer_sdk.pagination import BaseHATEOASPaginator

# Percent-of-quota readings in the usage headers.
USAGE_KEYS = ("call_count", "total_cputime", "total_time")


@dataclass(frozen=True)
class AdAccount:
    """What the insights rows do not say: the account's timezone (and currency)."""

    account_id: str
    timezone: str
    currency: str | None


class NextPagePaginator(BaseHATEOASPaginator):
    """Follows ``paging.next`` until a page comes without it."""

    def get_next_url(self, response: requests.Response) -> str | None:
        """The next page's URL, or None on the last page."""
        return (response.json().get("paging") or {}).get("next")


def usage_percent(headers: t.Mapping[str, str]) -> float:
    """The highest share of any quota used so far (0-100), from every usage header."""
    readings = [
        usage
        for usages in (header_json(headers, "x-business-use-case-usage") or {}).values()
        for usage in (usages if isinstance(usages, list) else [])
    ]
    readings += [
        header_json(headers, name) or {}
        for name in ("x-ad-account-usage", "x-fb-ads-insights-throttle", "x-app-usage")
    ]
    levels = [
        float(value or 0)
        for reading in readings
        for key, value in reading.items()
        if key in USAGE_KEYS or key.endswith("_util_pct")
    ]
    return max(levels, default=0.0)


class MetaInsightsStream(ContractStream, DailyReportStream):
    """Base of the Meta streams: Graph API URL, token header, paging and throttling."""

    source = "meta_ads"

    records_jsonpath = "$.data[*]"

    @property
    def url_base(self) -> str:
        """``base_url`` and the configured Graph API version."""
        return f"{self.config['base_url'].rstrip('/')}/{self.config['api_version']}"

    @property
    def http_headers(self) -> dict:
        """The access token travels in a header, never in a URL that could be logged."""
        return {**super().http_headers, "Authorization": f"Bearer {self.config['access_token']}"}

    @property
    def partitions(self) -> list[dict]:
        """One partition (and bookmark) per ad account."""
        return [{"account_id": _bare_account_id(a)} for a in self.config["account_ids"]]

    def lookback_days(self) -> int:
        """Meta restates attributed conversions for up to 28 days (the default window)."""
        return int(self.config.get("lookback_days", 28))

    def get_new_paginator(self) -> NextPagePaginator:
        """Pages chain through ``paging.next``."""
        return NextPagePaginator()

    def get_url_params(self, context: dict | None, next_page_token: t.Any) -> dict:
        """The next page's own query (minus any token), else the first page's parameters."""
        if next_page_token is not None:
            # paging.next repeats every parameter plus the cursor; it is re-rooted on
            # base_url so that a configured proxy is never bypassed.
            return {
                key: value
                for key, value in parse_qsl(next_page_token.query)
                if key != "access_token"
            }
        return self.first_page_params(context or {})

    def first_page_params(self, window: dict) -> dict:
        """Query parameters of a window's first page."""
        raise NotImplementedError

    def ad_account(self, context: dict | None) -> AdAccount:
        """The partition's ad account settings, read once per run."""
        account_id = (context or {})["account_id"]
        cache = self._ad_accounts
        if account_id not in cache:
            payload = self.send_json(
                "GET",
                f"{self.url_base}/act_{account_id}",
                params={"fields": "account_id,currency,timezone_name"},
            )
            cache[account_id] = AdAccount(
                account_id=account_id,
                timezone=payload["timezone_name"],
                currency=payload.get("currency"),
            )
        return cache[account_id]

    @functools.cached_property
    def _ad_accounts(self) -> dict[str, AdAccount]:
        return {}

    def report_timezone(self, context: dict | None) -> str:
        """Insights days are the ad account's days."""
        return self.ad_account(context).timezone

    def validate_response(self, response: requests.Response) -> None:
        """Throttling waits as Meta says; an expired token and other client errors stop."""
        if response.status_code < 400:
            self._pause_near_the_limit(response)
            return
        error = graph_error(json_body(response))
        code, message = error.get("code"), self.redact(str(error.get("message", "")))
        where = f"(HTTP {response.status_code}, fbtrace_id {error.get('fbtrace_id', '-')})"
        if code in THROTTLING_CODES:
            wait = regain_access_seconds(response.headers) or THROTTLE_FALLBACK_SECONDS
            raise RetryAfter(
                f"Meta is throttling (code {code}: {message}) {where}", response, wait_seconds=wait
            )
        if code == EXPIRED_TOKEN_CODE:
            raise FatalAPIError(
                f"Meta rejected the access token (code 190, subcode "
                f"{error.get('error_subcode', '-')}: {message}) {where}. It expired or was "
                "revoked: create a new token (a system user token does not expire) and put it "
                "in the environment variable the tenant names for access_token."
            )
        if (code, error.get("error_subcode")) == UNKNOWN_OBJECT:
            account = response.request.path_url.split("?")[0].split("/act_")[-1].split("/")[0]
            raise FatalAPIError(
                f"Meta cannot read ad account {account} (code 100, subcode 33: {message}) "
                f"{where}. Check account_ids, and that the token's user (or system user) has "
                "access to the ad account in Business Manager."
            )
        if error.get("is_transient") or response.status_code >= 500:
            raise RetriableAPIError(
                f"Meta had a transient error (code {code}: {message}) {where}", response
            )
        raise FatalAPIError(
            f"Meta Marketing API error (code {code}, type {error.get('type', '-')}: {message}) "
            f"{where} for {self.redact(response.request.path_url.split('?')[0])}"
        )

    def _pause_near_the_limit(self, response: requests.Response) -> None:
        """Slow down before Meta throttles: past the threshold, wait for the usage to reset."""
        threshold = float(self.config.get("usage_pause_threshold", 90))
        used = usage_percent(response.headers)
        if used >= threshold:
            wait = regain_access_seconds(response.headers) or THROTTLE_FALLBACK_SECONDS
            self.logger.warning(
                "%s: %.0f%% of a Meta quota used (threshold %.0f%%); pausing %.0f s",
                self.name, used, threshold, wait,
            )  # fmt: skip
            self.clock.sleep(min(wait, self.max_wait_seconds))


def _bare_account_id(account_id: str) -> str:
    """Insights report ``account_id`` without the ``act_`` prefix the URLs need."""
    return str(account_id).removeprefix("act_")


def as_decimal(value: t.Any) -> decimal.Decimal | None:
    """A Meta metric string ("1234.56") as an exact decimal."""
    return None if value in (None, "") else decimal.Decimal(str(value))


def as_int(value: t.Any) -> int | None:
    """A Meta count string ("1234") as an integer."""
    return None if value in (None, "") else int(decimal.Decimal(str(value)))
