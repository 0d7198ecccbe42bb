"""Klaviyo's JSON:API as the tap reads it: the key, the revision, pages, throttling and errors.

Vendor facts this module honours, each with its reference (revision ``DEFAULT_REVISION``):

- Every request carries ``Authorization: Klaviyo-API-Key <private key>`` and a ``revision``
  header (a date) that pins the shapes of the answers.
  https://developers.klaviyo.com/en/reference/api_overview
- Collections are JSON:API documents: ``data``, the resources asked for with ``include`` in
  ``included``, and the next page as an absolute URL in ``links.next`` (cursor pagination,
  absent on the last page); ``page[size]`` where an endpoint takes it (Get Events: 1 to 1000,
  200 by default). https://developers.klaviyo.com/en/docs/pagination_ and
  https://raw.githubusercontent.com/klaviyo/openapi/main/openapi/stable/apis/get_events.json
- Filters are ``filter=and(op(field,value),…)``; strings are quoted, date-times are not
  (Klaviyo refuses a quoted one as an invalid filter).
  https://developers.klaviyo.com/en/docs/filtering_
- Rate limits are per account and endpoint (Get Events: 350/s burst, 3500/m steady); a 429
  says in ``Retry-After`` how many seconds to wait. 5xx are Klaviyo's side: retried with
  backoff. https://developers.klaviyo.com/en/docs/rate_limits_and_error_handling
- Errors are ``{"errors": [{"status", "code", "title", "detail", "source"}]}``: 401 a missing
  or wrong key, 403 a key without the endpoint's scope, 400 an invalid request.
"""

from __future__ import annotations

import typing as t
import urllib.parse

import requests
from cerebro_tap_kit.http import ResilientStream, RetryAfter, json_body
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

if t.TYPE_CHECKING:
    from collections.abc import Iterator

DEFAULT_BASE_URL = "https://a.klaviyo.com"
#: The revision whose shapes the records are written for (the activation's client's too).
DEFAULT_REVISION = "2026-07-15"
#: Get Events' largest page.
MAX_PAGE_SIZE = 1000
SCOPES = "events:read, metrics:read, profiles:read"
JSON_API = "application/vnd.api+json"


def filter_and(*expressions: str) -> str:
    """Klaviyo's conjunction of filter expressions (one alone stands as it is)."""
    return expressions[0] if len(expressions) == 1 else f"and({','.join(expressions)})"


def quoted(value: str) -> str:
    """A string argument of a filter: in double quotes, a quote inside escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class KlaviyoStream(ResilientStream):
    """A stream read from Klaviyo's JSON:API (records of the raw contract)."""

    @property
    def url_base(self) -> str:
        """``base_url`` (a proxy or a test server) or Klaviyo's."""
        return (self.config.get("base_url") or DEFAULT_BASE_URL).rstrip("/")

    @property
    def http_headers(self) -> dict:
        """The private key, the pinned revision and JSON:API's media type."""
        return {
            **super().http_headers,
            "Authorization": f"Klaviyo-API-Key {self.config['api_key']}",
            "revision": self.config.get("revision") or DEFAULT_REVISION,
            "Accept": JSON_API,
        }

    def validate_response(self, response: requests.Response) -> None:
        """429 waits ``Retry-After``; 5xx backs off; a refused key, a missing scope or an
        invalid request stops with what to do."""
        status = response.status_code
        if 200 <= status < 300:
            return
        said = self.redact(_said(response))
        if status == 429:
            wait = _seconds(response.headers.get("Retry-After"))
            if wait is None:
                raise RetriableAPIError(f"Klaviyo throttled the request ({said})", response)
            raise RetryAfter(f"Klaviyo throttled the request ({said})", response, wait_seconds=wait)
        if status >= 500:
            raise RetriableAPIError(f"Klaviyo failed ({said})", response)
        if status == 401:
            raise FatalAPIError(
                f"Klaviyo refused the API key ({said}): check api_key (the environment variable "
                "the tenant's secrets name); it must be a private key (pk_...)"
            )
        if status == 403:
            raise FatalAPIError(
                f"Klaviyo refused a scope to the API key ({said}): give it {SCOPES}"
            )
        path = self.redact(urllib.parse.urlsplit(response.url).path)
        raise FatalAPIError(f"Klaviyo refused {path} ({said})")

    def documents(self, path: str, params: dict) -> Iterator[dict]:
        """Every page of a collection, following ``links.next`` as Klaviyo wrote it (the
        cursor and the request's own parameters are in it)."""
        url, query = f"{self.url_base}{path}", params
        while url:
            document = self.send_json("GET", url, params=query)
            if not isinstance(document, dict) or not isinstance(document.get("data"), list):
                raise FatalAPIError(
                    f"Klaviyo: GET {path} answered without a JSON:API 'data' list: a proxy or "
                    "a wrong base_url?"
                )
            yield document
            url, query = (document.get("links") or {}).get("next"), None


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _said(response: requests.Response) -> str:
    """Status, and the first error's code, title and detail (one line)."""
    errors = (json_body(response) or {}).get("errors") if response.content else None
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    words = [f"HTTP {response.status_code}", first.get("code"), first.get("detail")]
    return " ".join(" ".join(str(w) for w in words if w).split())[:300]
