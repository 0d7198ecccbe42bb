"""Search Console API client (``searchAnalytics.query``): paging, quota, incomplete days.

Vendor facts this module honours, each with its reference:

- ``POST /webmasters/v3/sites/{siteUrl}/searchAnalytics/query`` with the site
  URL percent-encoded (``sc-domain:example.cl`` for domain properties).
  https://developers.google.com/webmaster-tools/v1/searchanalytics/query
- Paging: ``startRow`` advances by ``rowLimit`` (at most 25,000) until a page
  comes back short or without ``rows``.
  https://developers.google.com/webmaster-tools/v1/how-tos/all-your-data
- Days are Pacific time (``America/Los_Angeles``). Recent days are still being
  processed: with ``dataState: all`` they are included and the response's
  ``metadata`` says from which day on (grouped by date). The query reference
  names that field ``first_incomplete_date``, the discovery document and the
  client libraries ``firstIncompleteDate``: both are read, since missing it
  would land fresh rows as final and never read them again.
  https://developers.google.com/webmaster-tools/v1/searchanalytics/query#metadata
- Quota: 429, or 403 with reason ``quotaExceeded`` / ``rateLimitExceeded``, is
  retried later; 403 ``forbidden`` (no access to the property) is fatal.
  https://developers.google.com/webmaster-tools/limits
"""

from __future__ import annotations

import decimal
import typing as t
from urllib.parse import quote, unquote

import requests
from cerebro_tap_kit.contract_stream import ContractStream
from cerebro_tap_kit.daily_reports import DailyReportStream, as_date
from cerebro_tap_kit.google_oauth import GoogleOAuth
from cerebro_tap_kit.http import RetryAfter
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from singer_sdk.pagination import OffsetPaginator

PACIFIC_TIME = "America/Los_Angeles"
MAX_ROW_LIMIT = 25_000
QUOTA_REASONS = frozenset({"quotaExceeded", "rateLimitExceeded", "userRateLimitExceeded"})
# Search Console's short-term quotas are per minute; without Retry-After, wait one out.
QUOTA_WAIT_SECONDS = 60.0
# Where the first day still being processed is kept, in the partition's state.
FIRST_INCOMPLETE_DATE = "first_incomplete_date"
# The response's metadata field, as the discovery document and as the reference spell it.
FIRST_INCOMPLETE_DATE_FIELDS = ("firstIncompleteDate", "first_incomplete_date")


class StartRowPaginator(OffsetPaginator):
    """``startRow`` += ``rowLimit`` while pages come back full."""

    def has_more(self, response: requests.Response) -> bool:
        """A full page may have a successor; a short or empty one is the last."""
        return len(response.json().get("rows", [])) >= self.page_size


def sc_error(response: requests.Response) -> dict[str, t.Any]:
    """The ``error`` object of a Google API error response ({} when there is none)."""
    try:
        payload = response.json()
    except ValueError:
        return {}
    error = payload.get("error") if isinstance(payload, dict) else None
    return error if isinstance(error, dict) else {}


def first_incomplete_date(metadata: t.Any) -> str | None:
    """The first day still being processed, from a response's ``metadata`` (either spelling)."""
    if not isinstance(metadata, dict):
        return None
    found = (metadata.get(name) for name in FIRST_INCOMPLETE_DATE_FIELDS)
    return next((value for value in found if value), None)


class SearchAnalyticsStream(ContractStream, DailyReportStream):
    """Base of the Search Console streams: one query per property, search type and window.

    Incomplete days are landed (flagged ``data_state: incomplete``) and read
    again on every run until final: the first incomplete day a run saw is kept
    in the partition's state, and the next run starts from it if that is
    earlier than its bookmark minus ``lookback_days``.
    """

    source = "search_console"
    http_method = "POST"
    path = "/sites/{site_url}/searchAnalytics/query"
    dimensions: t.ClassVar[tuple[str, ...]] = ("date",)

    @property
    def url_base(self) -> str:
        """``base_url`` and the configured API version."""
        return f"{self.config['base_url'].rstrip('/')}/webmasters/{self.config['api_version']}"

    def get_url(self, context: dict | None) -> str:
        """The query URL, with the whole site URL percent-encoded (``:`` and ``/`` too)."""
        site = quote((context or {})["site_url"], safe="")
        return f"{self.url_base}/sites/{site}/searchAnalytics/query"

    @property
    def authenticator(self) -> GoogleOAuth:
        """One OAuth token for the whole tap, refreshed as it expires."""
        return self._tap.google_oauth

    @property
    def partitions(self) -> list[dict]:
        """One partition (and bookmark) per property and search type."""
        return [
            {"site_url": site, "search_type": search_type}
            for site in self.config["site_urls"]
            for search_type in self.config.get("search_types", ["web"])
        ]

    def report_timezone(self, context: dict | None) -> str:
        """Search Console days are Pacific-time days, whatever the property's country."""
        return PACIFIC_TIME

    def row_limit(self) -> int:
        """Rows per page: the configured size, at most the API's 25,000."""
        return min(int(self.config.get("row_limit", MAX_ROW_LIMIT)), MAX_ROW_LIMIT)

    def get_new_paginator(self) -> StartRowPaginator:
        """Pages by ``startRow``."""
        return StartRowPaginator(start_value=0, page_size=self.row_limit())

    def prepare_request_payload(self, context: dict | None, next_page_token: t.Any) -> dict:
        """The window's query, including the days still being processed."""
        window = context or {}
        return {
            "startDate": window["since"],
            "endDate": window["until"],
            "dimensions": list(self.dimensions),
            "type": window["search_type"],
            "dataState": "all",
            "rowLimit": self.row_limit(),
            "startRow": next_page_token or 0,
        }

    def parse_response(self, response: requests.Response) -> t.Iterable[dict]:
        """The page's rows, each carrying the response's first incomplete day."""
        payload = response.json(parse_float=decimal.Decimal)
        first_incomplete = first_incomplete_date(payload.get("metadata"))
        if first_incomplete:
            self._seen_incomplete.append(first_incomplete)
        for row in payload.get("rows", []):
            yield {**row, FIRST_INCOMPLETE_DATE: first_incomplete}

    def first_day(self, context: dict | None) -> t.Any:
        """The usual start, or the first day that was still incomplete last run if earlier."""
        first = super().first_day(context)
        pending = self.get_context_state(context).get(FIRST_INCOMPLETE_DATE)
        return min(first, as_date(pending)) if pending else first

    def get_records(self, context: dict | None) -> t.Iterable[dict]:
        """The windows' rows; then remember the first incomplete day for the next run."""
        # Filled by parse_response as pages arrive, for this partition only.
        self._seen_incomplete: list[str] = []
        yield from super().get_records(context)
        state = self.get_context_state(context)
        if self._seen_incomplete:
            state[FIRST_INCOMPLETE_DATE] = min(self._seen_incomplete)
        else:
            state.pop(FIRST_INCOMPLETE_DATE, None)

    def shape(self, row: dict, context: dict | None) -> dict[str, t.Any]:
        """Keys and metrics of a row, with its data state."""
        window = context or {}
        values = dict(zip(self.dimensions, row["keys"], strict=True))
        first_incomplete = row[FIRST_INCOMPLETE_DATE]
        incomplete = first_incomplete is not None and values["date"] >= first_incomplete
        return {
            "site_url": window["site_url"],
            "search_type": window["search_type"],
            **values,
            # The API sends clicks and impressions as doubles; they are counts.
            "clicks": int(row.get("clicks", 0)),
            "impressions": int(row.get("impressions", 0)),
            "ctr": row.get("ctr"),
            "position": row.get("position"),
            "data_state": "incomplete" if incomplete else "final",
            "first_incomplete_date": first_incomplete,
        }

    def validate_response(self, response: requests.Response) -> None:
        """Quota waits; 401 refreshes once; 403 forbidden and bad requests stop."""
        if response.status_code < 400:
            self.authenticator.accepted()
            return
        error = sc_error(response)
        reasons = {str(item.get("reason")) for item in error.get("errors", [])}
        message = self.redact(f"{error.get('status', response.status_code)}: "
                              f"{error.get('message', '')}")  # fmt: skip
        if response.status_code == 429 or reasons & QUOTA_REASONS:
            wait = float(response.headers.get("Retry-After") or QUOTA_WAIT_SECONDS)
            raise RetryAfter(f"Search Console quota exceeded ({message})", response,
                             wait_seconds=wait)  # fmt: skip
        if response.status_code == 401:
            self.authenticator.raise_for_rejected_token("Search Console", message, response)
        if response.status_code == 403:
            raise FatalAPIError(
                f"Search Console refused access to {self.context_site(response)} ({message}). "
                "Add the authorized Google account as a user of the property, or fix site_urls "
                "(domain properties are written sc-domain:example.cl)."
            )
        if response.status_code >= 500:
            raise RetriableAPIError(f"Search Console transient error ({message})", response)
        raise FatalAPIError(f"Search Console API error ({message}) (HTTP {response.status_code})")

    def context_site(self, response: requests.Response) -> str:
        """The property a failed request was about, from its URL."""
        path = response.request.path_url.split("?")[0]
        return unquote(path.split("/sites/")[-1].split("/")[0])
