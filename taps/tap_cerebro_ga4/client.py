"""GA4 Data API client (``properties.runReport``): paging by offset, quota, errors.

Vendor facts this module honours, each with its reference:

- ``POST /v1beta/properties/{property}:runReport`` with ``dateRanges``,
  ``dimensions`` and ``metrics`` named as in the API schema, ``limit`` and
  ``offset``. https://developers.google.com/analytics/devguides/reporting/data/v1/rest/v1beta/properties/runReport
- Paging: ``limit`` rows from ``offset``; ``rowCount`` is the report's total
  whatever the page, so the next page starts at ``offset + limit`` while it is
  below ``rowCount``. ``limit`` defaults to 10,000 and the API returns at most
  250,000 rows per request, whatever is asked.
  https://developers.google.com/analytics/devguides/reporting/data/v1/basics#pagination
- Values: ``date`` comes as ``YYYYMMDD`` in the property's reporting time zone;
  metric values are strings, matched to names through ``metricHeaders`` (the
  order is the request's, but the headers say it).
- Names: ``keyEvents`` is the current name of what GA4 called ``conversions``
  until 2024 (https://developers.google.com/analytics/devguides/reporting/data/v1/api-schema).
- Errors are Google's JSON (``error.code``, ``error.status``, ``error.message``):
  429 ``RESOURCE_EXHAUSTED`` when a property's token quota or concurrency is
  spent (retried later), 401 ``UNAUTHENTICATED`` (the token is refreshed once),
  403 ``PERMISSION_DENIED`` (no access to the property: fatal), 400
  ``INVALID_ARGUMENT`` (an unknown dimension or metric: fatal).
  https://developers.google.com/analytics/devguides/reporting/data/v1/quotas
"""

from __future__ import annotations

import decimal
import typing as t

import requests
from cerebro_tap_kit.contract_stream import ContractStream
from cerebro_tap_kit.daily_reports import DailyReportStream
from cerebro_tap_kit.google_oauth import GoogleOAuth
from cerebro_tap_kit.http import RetryAfter, json_body
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from singer_sdk.pagination import OffsetPaginator

DEFAULT_ROW_LIMIT = 10_000
MAX_ROW_LIMIT = 250_000
# GA4's token quotas are per hour and per day, its concurrency one at a time; without a
# Retry-After, wait a minute (a concurrent request is done by then).
QUOTA_WAIT_SECONDS = 60.0


class RowCountPaginator(OffsetPaginator):
    """``offset`` += ``limit`` while the next offset is below the response's ``rowCount``."""

    def has_more(self, response: requests.Response) -> bool:
        """More rows exist past this page when ``rowCount`` says so."""
        payload = response.json()
        return self.current_value + self._page_size < int(payload.get("rowCount") or 0)


def google_error(response: requests.Response) -> dict[str, t.Any]:
    """The ``error`` object of a Google API error response ({} when there is none)."""
    payload = json_body(response)
    error = payload.get("error") if isinstance(payload, dict) else None
    return error if isinstance(error, dict) else {}


def iso_date(value: str) -> str:
    """GA4's ``YYYYMMDD`` as an ISO date."""
    return f"{value[:4]}-{value[4:6]}-{value[6:8]}"


class RunReportStream(ContractStream, DailyReportStream):
    """Base of the GA4 streams: one report per property and date window.

    Subclasses name the report's ``dimensions`` and ``metrics`` (API names) and
    the contract column of each (``columns``). GA4 keeps restating the last
    days (data is not final for about 72 hours), so every run reads again
    ``lookback_days`` (3 by default) before its bookmark.
    """

    source = "ga4"
    http_method = "POST"
    path = "/properties/{property_id}:runReport"
    dimensions: t.ClassVar[tuple[str, ...]] = ()
    metrics: t.ClassVar[tuple[str, ...]] = ()
    columns: t.ClassVar[dict[str, str]] = {}
    integer_metrics: t.ClassVar[frozenset[str]] = frozenset()

    @property
    def url_base(self) -> str:
        """``base_url`` and the configured API version."""
        return f"{self.config['base_url'].rstrip('/')}/{self.config['api_version']}"

    def get_url(self, context: dict | None) -> str:
        """The report URL of the context's property (its numeric id)."""
        return f"{self.url_base}/properties/{(context or {})['property_id']}:runReport"

    @property
    def authenticator(self) -> GoogleOAuth:
        """One OAuth token for the whole tap, refreshed as it expires."""
        return self._tap.google_oauth

    @property
    def partitions(self) -> list[dict]:
        """One partition (and bookmark) per property."""
        return [{"property_id": str(prop)} for prop in self.config["property_ids"]]

    def report_timezone(self, context: dict | None) -> str:
        """The properties' reporting time zone (GA4 cuts days there)."""
        return self.config["timezone"]

    def lookback_days(self) -> int:
        """Days before the bookmark read again: GA4 restates about the last 72 hours."""
        return int(self.config.get("lookback_days", 3))

    def row_limit(self) -> int:
        """Rows per page: the configured size, at most the API's 250,000."""
        return min(int(self.config.get("row_limit", DEFAULT_ROW_LIMIT)), MAX_ROW_LIMIT)

    def get_new_paginator(self) -> RowCountPaginator:
        """Pages by ``offset``."""
        return RowCountPaginator(start_value=0, page_size=self.row_limit())

    def prepare_request_payload(self, context: dict | None, next_page_token: t.Any) -> dict:
        """The window's report, one page of it."""
        window = context or {}
        return {
            "dateRanges": [{"startDate": window["since"], "endDate": window["until"]}],
            "dimensions": [{"name": name} for name in self.dimensions],
            "metrics": [{"name": name} for name in self.metrics],
            "limit": str(self.row_limit()),
            "offset": str(next_page_token or 0),
            # Without an order, GA4 may page through rows in a different order each request.
            "orderBys": [{"dimension": {"dimensionName": name}} for name in self.dimensions],
        }

    def parse_response(self, response: requests.Response) -> t.Iterable[dict]:
        """The page's rows as ``{api name: value}``, with the property's time zone."""
        payload = response.json()
        dimensions = [h["name"] for h in payload.get("dimensionHeaders", [])]
        metrics = [h["name"] for h in payload.get("metricHeaders", [])]
        time_zone = (payload.get("metadata") or {}).get("timeZone")
        for row in payload.get("rows", []):
            values = zip(dimensions, (v.get("value") for v in row["dimensionValues"]), strict=True)
            numbers = zip(metrics, (v.get("value") for v in row["metricValues"]), strict=True)
            yield {**dict(values), **dict(numbers), "_time_zone": time_zone}

    def shape(self, row: dict, context: dict | None) -> dict[str, t.Any]:
        """Keys and metrics of a row under the contract's names."""
        record: dict[str, t.Any] = {"property_id": (context or {})["property_id"]}
        for name, column in self.columns.items():
            value = row.get(name)
            if name == "date":
                value = iso_date(value)
            elif name in self.integer_metrics:
                value = None if value is None else int(decimal.Decimal(value))
            elif name in self.metrics:
                value = None if value is None else decimal.Decimal(value)
            record[column] = value
        record["property_time_zone"] = row.get("_time_zone")
        return record

    def validate_response(self, response: requests.Response) -> None:
        """Quota waits; 401 refreshes once; 403 and bad requests stop with what to do."""
        if response.status_code < 400:
            self.authenticator.accepted()
            return
        error = google_error(response)
        message = self.redact(f"{error.get('status', response.status_code)}: "
                              f"{error.get('message', '')}")  # fmt: skip
        if response.status_code == 429 or error.get("status") == "RESOURCE_EXHAUSTED":
            wait = float(response.headers.get("Retry-After") or QUOTA_WAIT_SECONDS)
            raise RetryAfter(f"GA4 quota exhausted ({message})", response, wait_seconds=wait)
        if response.status_code == 401:
            self.authenticator.raise_for_rejected_token("GA4", message, response)
        if response.status_code == 403:
            raise FatalAPIError(
                f"GA4 refused access to property {self.failed_property(response)} ({message}). "
                "Give the authorized Google account the Viewer role on the property, or fix "
                "property_ids (the numeric id under Admin > Property details)."
            )
        if response.status_code >= 500:
            raise RetriableAPIError(f"GA4 transient error ({message})", response)
        raise FatalAPIError(f"GA4 Data API error ({message}) (HTTP {response.status_code})")

    def failed_property(self, response: requests.Response) -> str:
        """The property a failed request was about, from its URL."""
        path = response.request.path_url.split("?")[0]
        return path.split("/properties/")[-1].split(":")[0]
