"""Amazon Ads API client: Login with Amazon tokens, profiles and the asynchronous reports (v3).

Vendor facts this module honours, each with its reference:

- Every call carries ``Amazon-Advertising-API-ClientId`` (the Login with Amazon client id)
  and ``Authorization: Bearer`` with an access token minted from a refresh token at the
  Login with Amazon token endpoint (``https://api.amazon.com/auth/o2/token``; an hour of
  life); calls about an advertiser also carry ``Amazon-Advertising-API-Scope``, its profile
  id. Each marketplace region has its own API host (NA, EU, FE).
  https://advertising.amazon.com/API/docs/en-us/guides/account-management/authorization/access-tokens
  https://advertising.amazon.com/API/docs/en-us/reference/api-overview#api-endpoints
- ``GET /v2/profiles`` lists the profiles (an advertiser in one marketplace) with their
  ``countryCode``, ``currencyCode``, ``timezone`` and ``accountInfo``; report days are days
  of the profile's time zone, amounts in its currency.
  https://advertising.amazon.com/API/docs/en-us/guides/account-management/authorization/profiles
- Reports are asynchronous: ``POST /reporting/reports`` (content type
  ``application/vnd.createasyncreportrequest.v3+json``) answers a ``reportId`` with status
  ``PENDING``; ``GET /reporting/reports/{reportId}`` moves through ``PROCESSING`` to
  ``COMPLETED`` with a ``url`` (a pre-signed S3 address that expires, ``urlExpiresAt``) or
  ``FAILED`` with a ``failureReason``; generation can take up to three hours. The file is a
  gzipped JSON array, one object per campaign and day with activity (no row without
  impressions). An identical request while the first is still being generated is refused
  with 425: wait for it.
  https://advertising.amazon.com/API/docs/en-us/guides/reporting/v3/get-started
- ``spCampaigns`` reports span at most 31 days and reach back 95 days; conversions are
  restated 1, 7 and 28 days after the event, within the attribution window (so up to 42
  days back for the 14-day columns).
  https://advertising.amazon.com/API/docs/en-us/guides/reporting/v3/report-types/campaign
  https://advertising.amazon.com/API/docs/en-us/guides/reporting/v3/faq
- Throttling is 429 with a ``Retry-After`` header (seconds); 5xx are server errors worth a
  retry; other 4xx are the request's fault. Errors read ``{"code", "details"}``.
  https://advertising.amazon.com/API/docs/en-us/reference/concepts/rate-limiting
  https://advertising.amazon.com/API/docs/en-us/reference/concepts/errors
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import gzip
import json
import typing as t
from dataclasses import dataclass

import requests
from cerebro_tap_kit.contract_stream import ContractStream
from cerebro_tap_kit.daily_reports import DailyReportStream
from cerebro_tap_kit.http import RetryAfter
from cerebro_tap_kit.oauth_refresh import RefreshTokenOAuth
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

LWA_TOKEN_URL = "https://api.amazon.com/auth/o2/token"
REPORT_CONTENT_TYPE = "application/vnd.createasyncreportrequest.v3+json"
MAX_WINDOW_DAYS = 31
RETENTION_DAYS = 95
# Without Retry-After, Amazon asks for exponential backoff with long pauses for reports.
THROTTLE_FALLBACK_SECONDS = 60.0
# An identical report is still being generated: give it time before asking again.
DUPLICATE_WAIT_SECONDS = 120.0
# A report that FAILED is asked for again this many times before the run stops.
FAILED_REPORT_RETRIES = 2
# Status checks back off from poll_interval_seconds up to this pause.
MAX_POLL_SECONDS = 300.0
GZIP_MAGIC = b"\x1f\x8b"


class LoginWithAmazonOAuth(RefreshTokenOAuth):
    """Access tokens from Login with Amazon (the standard refresh-token grant)."""

    provider: t.ClassVar[str] = "Login with Amazon"


@dataclass(frozen=True)
class Profile:
    """An advertiser in one marketplace: what the report rows do not say."""

    profile_id: str
    country_code: str | None
    currency_code: str | None
    timezone: str
    marketplace_id: str | None
    account_name: str | None
    account_type: str | None


def amazon_error(response: requests.Response) -> str:
    """The error's code and details, whichever keys carry them."""
    try:
        payload = response.json()
    except ValueError:
        return response.text[:300]
    if not isinstance(payload, dict):
        return str(payload)[:300]
    detail = payload.get("details") or payload.get("detail") or payload.get("message") or ""
    return f"{payload.get('code', response.status_code)}: {detail}"


class AmazonReportStream(ContractStream, DailyReportStream):
    """Base of the Amazon Ads report streams: headers, profiles, the report's three steps."""

    source = "amazon_ads"
    window_days = MAX_WINDOW_DAYS
    report_type_id: t.ClassVar[str]
    ad_product: t.ClassVar[str]
    group_by: t.ClassVar[tuple[str, ...]]
    columns: t.ClassVar[tuple[str, ...]]

    @property
    def url_base(self) -> str:
        """The region's API host."""
        return self.config["base_url"].rstrip("/")

    @property
    def http_headers(self) -> dict:
        """The Login with Amazon client id goes with every call."""
        return {**super().http_headers, "Amazon-Advertising-API-ClientId": self.config["client_id"]}

    @property
    def authenticator(self) -> LoginWithAmazonOAuth:
        """One access token for the whole tap, refreshed as it expires."""
        return self._tap.lwa_oauth

    @property
    def partitions(self) -> list[dict]:
        """One partition (and bookmark) per profile."""
        return [{"profile_id": str(p)} for p in self.config["profile_ids"]]

    def lookback_days(self) -> int:
        """Conversions are restated up to 28 days after the event, within the 14-day window."""
        return int(self.config.get("lookback_days", 42))

    def first_day(self, context: dict | None) -> dt.date:
        """The usual first day, but never before the 95 days Amazon keeps."""
        first = super().first_day(context)
        kept_from = self.last_day(context) - dt.timedelta(days=RETENTION_DAYS - 1)
        if first < kept_from:
            self.logger.warning(
                "%s: Amazon keeps %d days of reports; reading profile %s from %s, not %s",
                self.name, RETENTION_DAYS, (context or {}).get("profile_id"), kept_from, first,
            )  # fmt: skip
            return kept_from
        return first

    @functools.cached_property
    def _profiles(self) -> dict[str, Profile]:
        listed = self.send_json("GET", f"{self.url_base}/v2/profiles")
        profiles = {}
        for item in listed:
            account = item.get("accountInfo") or {}
            profile_id = str(item["profileId"])
            profiles[profile_id] = Profile(
                profile_id=profile_id,
                country_code=item.get("countryCode"),
                currency_code=item.get("currencyCode"),
                timezone=item["timezone"],
                marketplace_id=account.get("marketplaceStringId"),
                account_name=account.get("name"),
                account_type=account.get("type"),
            )
        return profiles

    def profile(self, context: dict | None) -> Profile:
        """The partition's profile, from the list read once per run."""
        profile_id = (context or {})["profile_id"]
        if profile_id not in self._profiles:
            raise FatalAPIError(
                f"Amazon Ads lists no profile {profile_id} for these credentials (it lists "
                f"{sorted(self._profiles) or 'none'}). Check profile_ids, the API host "
                "(base_url) of the profile's region, and that the user who authorized the app "
                "can manage that advertiser."
            )
        return self._profiles[profile_id]

    def report_timezone(self, context: dict | None) -> str:
        """Report days are the profile's days."""
        return self.profile(context).timezone

    def report_request(self, window: dict) -> dict:
        """The body of ``POST /reporting/reports`` for one window."""
        return {
            "name": f"cerebro {self.report_type_id} {window['since']} {window['until']}",
            "startDate": window["since"],
            "endDate": window["until"],
            "configuration": {
                "adProduct": self.ad_product,
                "groupBy": list(self.group_by),
                "columns": list(self.columns),
                "reportTypeId": self.report_type_id,
                "timeUnit": "DAILY",
                "format": "GZIP_JSON",
            },
        }

    def request_records(self, context: dict | None) -> t.Iterable[dict]:
        """Ask for the window's report, wait until it is generated, download its rows."""
        window = context or {}
        scope = {"Amazon-Advertising-API-Scope": window["profile_id"]}
        for attempt in range(FAILED_REPORT_RETRIES + 1):
            created = self.send_json(
                "POST",
                f"{self.url_base}/reporting/reports",
                body=self.report_request(window),
                headers={**scope, "Content-Type": REPORT_CONTENT_TYPE},
            )
            report = self.wait_for_report(created["reportId"], scope)
            if report["status"] == "COMPLETED":
                yield from self.download(report, scope)
                return
            self.logger.warning(
                "%s: Amazon failed report %s for %s to %s (%s); asking again (%d of %d)",
                self.name, report["reportId"], window["since"], window["until"],
                report.get("failureReason"), attempt + 1, FAILED_REPORT_RETRIES,
            )  # fmt: skip
        raise FatalAPIError(
            f"Amazon Ads failed to generate the {self.report_type_id} report of profile "
            f"{window['profile_id']} for {window['since']} to {window['until']} "
            f"{FAILED_REPORT_RETRIES + 1} times (last reason: {report.get('failureReason')}). "
            "The next run asks again from the same day."
        )

    def report_status(self, report_id: str, scope: dict) -> dict:
        """The report's status (and, once completed, its download address)."""
        return self.send_json(
            "GET", f"{self.url_base}/reporting/reports/{report_id}", headers=scope
        )

    def wait_for_report(self, report_id: str, scope: dict) -> dict:
        """Check the report's status with growing pauses until it is COMPLETED or FAILED."""
        pause = float(self.config.get("poll_interval_seconds", 30))
        timeout = 60.0 * float(self.config.get("report_timeout_minutes", 180))
        waited = 0.0
        while True:
            report = self.report_status(report_id, scope)
            if report["status"] in ("COMPLETED", "FAILED"):
                return report
            if waited >= timeout:
                raise FatalAPIError(
                    f"Amazon Ads report {report_id} was still {report['status']} after "
                    f"{waited / 60:.0f} minutes (report_timeout_minutes); the next run asks "
                    "again from the same day."
                )
            self.clock.sleep(pause)
            waited += pause
            pause = min(2 * pause, MAX_POLL_SECONDS)

    def download(self, report: dict, scope: dict) -> list[dict]:
        """The report's rows. The address is pre-signed: no credentials go with it (S3 refuses
        a second authentication), and an expired one is replaced by asking the status again."""
        for _ in range(3):
            response = self.request_decorator(self._fetch_file)(report["url"])
            if response.status_code != 403:
                return _rows(response.content)
            self.logger.warning("%s: report %s address expired; asking for a new one",
                                self.name, report["reportId"])  # fmt: skip
            report = self.report_status(report["reportId"], scope)
        raise FatalAPIError(f"Amazon Ads refused the download of report {report['reportId']}")

    def _fetch_file(self, url: str) -> requests.Response:
        response = self.requests_session.get(url, timeout=self.timeout)
        if response.status_code >= 500:
            raise RetriableAPIError(f"the report file answered HTTP {response.status_code}",
                                    response)  # fmt: skip
        if response.status_code >= 400 and response.status_code != 403:
            raise FatalAPIError(
                f"the report file answered HTTP {response.status_code}: {response.text[:300]}"
            )
        return response

    def validate_response(self, response: requests.Response) -> None:
        """429 and 425 wait; 401 refreshes the token once; 5xx retries; other 4xx stop."""
        if response.status_code < 400:
            self.authenticator.accepted()
            return
        message = self.redact(amazon_error(response))
        request_id = response.headers.get("x-amz-request-id", "-")
        where = f"(HTTP {response.status_code}, request {request_id})"
        if response.status_code == 429:
            wait = float(response.headers.get("Retry-After") or THROTTLE_FALLBACK_SECONDS)
            raise RetryAfter(f"Amazon Ads is throttling ({message}) {where}", response,
                             wait_seconds=wait)  # fmt: skip
        if response.status_code == 425:
            raise RetryAfter(
                f"Amazon Ads is still generating an identical report ({message}) {where}",
                response, wait_seconds=DUPLICATE_WAIT_SECONDS,
            )  # fmt: skip
        if response.status_code == 401:
            if self.authenticator.retry_after_rejection():
                raise RetryAfter("Amazon Ads rejected the access token; refreshing it", response,
                                 wait_seconds=0)  # fmt: skip
            raise FatalAPIError(
                f"Amazon Ads refused the request with a fresh access token ({message}) {where}. "
                "Check profile_ids, that the user who authorized the app can manage those "
                "advertisers, and that client_id, client_secret and refresh_token belong to the "
                "same Login with Amazon app."
            )
        if response.status_code == 403:
            raise FatalAPIError(
                f"Amazon Ads forbade the request ({message}) {where}. Check that the Login with "
                "Amazon app has Amazon Ads API access and the advertiser's consent."
            )
        if response.status_code >= 500:
            raise RetriableAPIError(f"Amazon Ads had a server error ({message}) {where}",
                                    response)  # fmt: skip
        raise FatalAPIError(
            f"Amazon Ads API error ({message}) {where} for "
            f"{self.redact(response.request.path_url.split('?')[0])}"
        )


def _rows(content: bytes) -> list[dict]:
    """A report file: a gzipped JSON array (served compressed or already inflated)."""
    if content[:2] == GZIP_MAGIC:
        content = gzip.decompress(content)
    rows = json.loads(content, parse_float=decimal.Decimal)
    if not isinstance(rows, list):
        raise FatalAPIError("an Amazon Ads report file was not a JSON array of rows")
    return rows


def as_decimal(value: t.Any) -> decimal.Decimal | None:
    """A report amount (a JSON number, read as an exact decimal)."""
    return None if value is None else decimal.Decimal(str(value))


def as_int(value: t.Any) -> int | None:
    """A report count."""
    return None if value is None else int(value)
