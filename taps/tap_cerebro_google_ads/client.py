"""Google Ads API client (REST ``searchStream`` with GAQL): auth, errors, account settings.

Vendor facts this module honours, each with its reference:

- ``POST /{version}/customers/{id}/googleAds:searchStream`` answers with a JSON
  array of batches, each with ``results``; there is no page token.
  https://developers.google.com/google-ads/api/rest/common/search
- Every request carries the ``developer-token`` header; calls into a client
  account through a manager carry ``login-customer-id`` (digits only).
  https://developers.google.com/google-ads/api/rest/auth
- int64 fields (``metrics.costMicros``, impressions, clicks) are JSON strings;
  doubles (conversions) are numbers; zero values are omitted (proto3 JSON).
  https://protobuf.dev/programming-guides/proto3/#json
- The error object, its failure details and ``retryDelay`` are read by
  ``cerebro_tap_kit.google_ads_errors``, which the Customer Match destination shares.
- Quota errors are HTTP 429 ``RESOURCE_EXHAUSTED`` with a ``quotaError`` of
  ``RESOURCE_EXHAUSTED`` or ``RESOURCE_TEMPORARILY_EXHAUSTED`` and a suggested
  ``retryDelay`` in the failure details.
  https://developers.google.com/google-ads/api/docs/best-practices/quotas
  https://developers.google.com/google-ads/api/reference/rpc/latest/QuotaErrorDetails
- 401 is an invalid or expired access token (refreshed once); 403 is a
  permission problem (developer token, account access, login-customer-id).
  https://developers.google.com/google-ads/api/docs/common-errors
- ``segments.date`` is a day of the account's timezone (``customer.time_zone``).
"""

from __future__ import annotations

import decimal
import functools
import typing as t

import requests
from cerebro_tap_kit.contract_stream import ContractStream
from cerebro_tap_kit.daily_reports import DailyReportStream
from cerebro_tap_kit.google_ads_errors import (
    digits,
    error_codes,
    failure_details,
    google_error,
    retry_delay_seconds,
)
from cerebro_tap_kit.google_oauth import GoogleOAuth
from cerebro_tap_kit.http import RetryAfter, json_body
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

QUOTA_ERRORS = frozenset({"RESOURCE_EXHAUSTED", "RESOURCE_TEMPORARILY_EXHAUSTED"})
TRANSIENT_STATUSES = frozenset({"UNAVAILABLE", "INTERNAL", "DEADLINE_EXCEEDED", "ABORTED"})
# When a quota error suggests no delay; Google's guidance is to back off, not to hammer.
QUOTA_FALLBACK_SECONDS = 30.0


class GoogleAdsStream(ContractStream, DailyReportStream):
    """Base of the Google Ads streams: one GAQL query per customer and date window."""

    source = "google_ads"

    http_method = "POST"
    path = "/customers/{account_id}/googleAds:searchStream"

    @property
    def url_base(self) -> str:
        """``base_url`` and the configured API version."""
        return f"{self.config['base_url'].rstrip('/')}/{self.config['api_version']}"

    @property
    def http_headers(self) -> dict:
        """The developer token always; the manager account when one is configured."""
        headers = {**super().http_headers, "developer-token": self.config["developer_token"]}
        if self.config.get("login_customer_id"):
            headers["login-customer-id"] = digits(self.config["login_customer_id"])
        return headers

    @property
    def authenticator(self) -> GoogleOAuth:
        """One OAuth token for the whole tap, refreshed as it expires."""
        return self._tap.google_oauth

    @property
    def partitions(self) -> list[dict]:
        """One partition (and bookmark) per customer account (``account_id`` in the records)."""
        return [{"account_id": digits(c)} for c in self.config["customer_ids"]]

    def lookback_days(self) -> int:
        """Google restates conversions for up to 30 days (the usual conversion window)."""
        return int(self.config.get("lookback_days", 30))

    def get_new_paginator(self) -> None:
        """searchStream answers a whole query in one response (in batches)."""
        return None

    def gaql(self, window: dict) -> str:
        """The GAQL query of one date window."""
        raise NotImplementedError

    def prepare_request_payload(self, context: dict | None, next_page_token: t.Any) -> dict:
        """The window's GAQL query."""
        return {"query": self.gaql(context or {})}

    def parse_response(self, response: requests.Response) -> t.Iterable[dict]:
        """Every row of every batch of the stream."""
        for batch in response.json(parse_float=decimal.Decimal):
            yield from batch.get("results", [])

    @functools.cached_property
    def _customers(self) -> dict[str, dict]:
        return {}

    def customer(self, context: dict | None) -> dict:
        """The account's ``currency_code`` and ``time_zone``, read once per run."""
        customer_id = (context or {})["account_id"]
        if customer_id not in self._customers:
            batches = self.send_json(
                "POST",
                self.get_url(context),
                body={"query": "SELECT customer.id, customer.currency_code, customer.time_zone "
                      "FROM customer"},
            )  # fmt: skip
            rows = [row for batch in batches for row in batch.get("results", [])]
            if not rows:
                raise FatalAPIError(f"Google Ads returned no settings for customer {customer_id}")
            self._customers[customer_id] = rows[0]["customer"]
        return self._customers[customer_id]

    def report_timezone(self, context: dict | None) -> str:
        """segments.date is the account's day."""
        return self.customer(context)["timeZone"]

    def validate_response(self, response: requests.Response) -> None:
        """Quota errors wait the suggested delay; 401 refreshes once; 403 and 400 stop."""
        if response.status_code < 400:
            self.authenticator.accepted()
            return
        error = google_error(json_body(response))
        status, codes = error.get("status", ""), error_codes(error)
        detail = "; ".join(str(item.get("message", "")) for item in failure_details(error))
        detail = detail or error.get("message", "")
        message = self.redact(f"{status or response.status_code}: {detail}")
        if response.status_code == 429 or status == "RESOURCE_EXHAUSTED" or codes & QUOTA_ERRORS:
            wait = retry_delay_seconds(error) or QUOTA_FALLBACK_SECONDS
            raise RetryAfter(f"Google Ads quota exhausted ({message})", response, wait_seconds=wait)
        if response.status_code == 401:
            self.authenticator.raise_for_rejected_token("Google Ads", message, response)
        if response.status_code == 403:
            raise FatalAPIError(
                f"Google Ads refused access ({message}). Check that the developer token is "
                "approved, that the authorized user can read the account, and set "
                "login_customer_id when the access comes through a manager account."
            )
        if response.status_code >= 500 or status in TRANSIENT_STATUSES:
            raise RetriableAPIError(f"Google Ads transient error ({message})", response)
        raise FatalAPIError(f"Google Ads API error ({message}) (HTTP {response.status_code})")
