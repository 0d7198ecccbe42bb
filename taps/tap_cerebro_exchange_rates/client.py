"""Banco Central de Chile's statistics database API (BDE, ``SieteRestWS``): one series per call.

Vendor facts this module honours, each with its reference
(https://si3.bcentral.cl/estadisticas/Principal1/Web_Services/doc_en.htm and the Spanish
page beside it, ``index.htm``):

- ``GET https://si3.bcentral.cl/SieteRestWS/SieteRestWS.ashx`` with ``function=GetSeries``,
  ``timeseries`` (one series code), ``firstdate`` and ``lastdate`` (``YYYY-MM-DD``, both
  optional: without them the whole history comes back) and the credentials as ``user`` and
  ``pass`` in the query string, the only way the API takes them. They never reach a log or
  an error message: every message goes through ``redact`` and shows the path alone.
- The answer is JSON: ``Codigo`` 0 and ``Descripcion`` "Success" with ``Series.Obs``, a list
  of ``{"indexDateString": "DD-MM-YYYY", "value": "945.31", "statusCode": "OK"}``. A day
  without an observation (a weekend, a bank holiday) is listed with ``statusCode`` "ND" and
  ``value`` "NaN"; it is not a rate and is not landed (staging carries the last rate in force
  over those days; decision 0061).
- Errors come back with HTTP 200 and a negative ``Codigo``: -5 "Invalid username or password"
  (a retry cannot fix it), -50 "An internal error has occurred, information is not
  available." (retried a few times; when it persists the series code is the likely cause).
  ``Series.Obs`` is then null.
- There is no paging: a call returns every observation of its range, so long histories are
  read in windows of a year. The terms allow about 5 calls per second per user; a run makes
  one call per series and year, well below it.
"""

from __future__ import annotations

import datetime as dt
import decimal
import typing as t
from urllib.parse import parse_qs, urlparse

import requests
from cerebro_tap_kit.contract_stream import ContractStream
from cerebro_tap_kit.daily_reports import DailyReportStream
from cerebro_tap_kit.http import RetryAfter, json_body
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from singer_sdk.pagination import SinglePagePaginator

SUCCESS = 0
BAD_CREDENTIALS = -5
INTERNAL_ERROR = -50
#: The answer of a day without an observation.
NO_DATA_STATUS = "ND"
#: Without a Retry-After, a throttled call waits out the API's per-second allowance.
THROTTLE_WAIT_SECONDS = 2.0
#: Chile's banking days: the day a rate is in force is a Santiago date.
SANTIAGO = "America/Santiago"


class BcchSeriesStream(ContractStream, DailyReportStream):
    """Observations of the configured series, one partition (and bookmark) per series."""

    source = "exchange_rates"
    path = "/SieteRestWS/SieteRestWS.ashx"
    window_days = 366
    # An internal error that persists is a wrong series code more often than an outage: five
    # attempts (30 s of backoff) say so sooner than the kit's eight.
    max_attempts = 5

    @property
    def url_base(self) -> str:
        """The API's host (``base_url``)."""
        return self.config["base_url"].rstrip("/")

    @property
    def partitions(self) -> list[dict]:
        """One partition per series, so that each resumes from its own last day."""
        return [{"series_id": series["series_id"]} for series in self.config["series"]]

    def series(self, context: dict | None) -> dict:
        """The configured series of a partition (its code and currency pair)."""
        series_id = (context or {})["series_id"]
        return next(s for s in self.config["series"] if s["series_id"] == series_id)

    def report_timezone(self, context: dict | None) -> str:
        """A rate is in force on a Santiago day."""
        return SANTIAGO

    def get_new_paginator(self) -> SinglePagePaginator:
        """One answer per call: the API has no pages."""
        return SinglePagePaginator()

    def get_url_params(self, context: dict | None, next_page_token: t.Any) -> dict:
        """GetSeries for the window; the credentials go in the query string, as the API asks."""
        window = context or {}
        return {
            "user": self.config["user"],
            "pass": self.config["password"],
            "function": "GetSeries",
            "timeseries": window["series_id"],
            "firstdate": window["since"],
            "lastdate": window["until"],
        }

    def parse_response(self, response: requests.Response) -> t.Iterable[dict]:
        """The window's observations, those without data (weekends, holidays) left out."""
        body = response.json(parse_float=decimal.Decimal)
        series = body.get("Series") or {}
        for observation in series.get("Obs") or []:
            if observation.get("statusCode") == NO_DATA_STATUS:
                continue
            yield {**observation, "seriesId": series.get("seriesId")}

    def shape(self, row: dict, context: dict | None) -> dict[str, t.Any]:
        """An observation as a rate of the configured pair on the day it is in force."""
        series = self.series(context)
        day = dt.datetime.strptime(row["indexDateString"], "%d-%m-%Y").date()
        return {
            "series_id": series["series_id"],
            "base_currency": series["base_currency"],
            "quote_currency": series["quote_currency"],
            "rate_date": day.isoformat(),
            "rate": self._rate(row, series["series_id"], day),
        }

    def _rate(self, row: dict, series_id: str, day: dt.date) -> decimal.Decimal:
        # Values are strings with a decimal point; anything else is not a rate, and landing it
        # as a guess would convert every amount of that day wrongly.
        try:
            rate = decimal.Decimal(str(row.get("value")))
        except decimal.InvalidOperation:
            rate = decimal.Decimal("NaN")
        if not rate.is_finite() or rate <= 0:
            raise FatalAPIError(
                f"Banco Central de Chile sent {row.get('value')!r} as series {series_id}'s "
                f"value on {day} with status {row.get('statusCode')!r}: not a rate. Nothing "
                "of that window was landed; report it if it persists."
            )
        return rate

    def validate_response(self, response: requests.Response) -> None:
        """HTTP errors first, then the body's ``Codigo`` (errors come with HTTP 200)."""
        where = self.response_error_message(response)
        if response.status_code == 429:
            wait = float(response.headers.get("Retry-After") or THROTTLE_WAIT_SECONDS)
            raise RetryAfter(f"Banco Central de Chile is limiting calls ({where})", response,
                             wait_seconds=wait)  # fmt: skip
        if response.status_code >= 500:
            raise RetriableAPIError(f"Banco Central de Chile transient error ({where})", response)
        if response.status_code >= 400:
            raise FatalAPIError(f"Banco Central de Chile refused the call ({where})")
        body = json_body(response)
        if not isinstance(body, dict) or "Codigo" not in body:
            # A proxy's or a maintenance page in place of the API's JSON.
            raise RetriableAPIError(f"Banco Central de Chile answered without JSON ({where})",
                                    response)  # fmt: skip
        code = body.get("Codigo")
        said = self.redact(f"Codigo {code}: {body.get('Descripcion')}")
        if code == SUCCESS:
            return
        if code == BAD_CREDENTIALS:
            raise FatalAPIError(
                f"Banco Central de Chile rejected the user or the password ({said}). Check the "
                "BDE API credentials in the environment variables the tenant names for user "
                "and password; a new account is activated from si3.bcentral.cl's API page."
            )
        series = parse_qs(urlparse(str(response.request.url)).query).get("timeseries", ["?"])[0]
        if code == INTERNAL_ERROR:
            raise RetriableAPIError(
                f"Banco Central de Chile could not answer for series {series} ({said}); if it "
                "persists, check that the series code exists in the BDE catalogue",
                response,
            )
        raise FatalAPIError(f"Banco Central de Chile API error for series {series} ({said})")
