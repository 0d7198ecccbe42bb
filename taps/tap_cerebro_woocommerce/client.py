"""WooCommerce REST API (wc/v3) client: the store's address, its keys, paging and errors.

Vendor facts this module honours, each with its reference:

- The API lives under the store's ``/wp-json/wc/v3`` (WooCommerce 3.5+, and WordPress
  permalinks other than "Plain", or that path is not routed).
  https://woocommerce.github.io/woocommerce-rest-api-docs/#requirements
- Over HTTPS the consumer key and secret travel as HTTP Basic credentials, or as the
  ``consumer_key`` / ``consumer_secret`` query parameters for servers that drop the
  Authorization header. Over plain HTTP WooCommerce ignores Basic credentials and accepts only
  OAuth 1.0a signatures, so a store must be reached over HTTPS.
  https://woocommerce.github.io/woocommerce-rest-api-docs/#authentication-over-https
- Collections page with ``page`` and ``per_page`` (1 to 100: more is HTTP 400
  ``rest_invalid_param``) and give ``X-WP-Total`` and ``X-WP-TotalPages``; a page past the last
  is an empty list. https://woocommerce.github.io/woocommerce-rest-api-docs/#pagination
- Errors are ``{"code", "message", "data": {"status"}}``. HTTP 401 is
  ``woocommerce_rest_cannot_view`` when no user was recognised (an unknown key, or credentials
  the server never saw) and ``woocommerce_rest_authentication_error`` for a wrong secret or a key
  without read permission; HTTP 404 ``rest_no_route`` is a path WordPress does not route.
  https://woocommerce.github.io/woocommerce-rest-api-docs/#errors
- Every date comes twice, in the site's time zone and as GMT (``*_gmt``, without an offset);
  ``modified_after`` / ``modified_before`` compare the GMT dates only with
  ``dates_are_gmt=true``, and both are exclusive. ``orderby=modified`` sorts by the modified
  date, then the id. https://woocommerce.github.io/woocommerce-rest-api-docs/#list-all-orders
- WooCommerce itself does not rate-limit wc/v3; the host in front of it may (429, or 503 with
  ``Retry-After``), so both are waited out.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import typing as t
from urllib.parse import urlsplit

import requests
from cerebro_tap_kit.contract_stream import ContractStream
from cerebro_tap_kit.http import ResilientStream, RetryAfter, json_body
from requests.auth import AuthBase, HTTPBasicAuth
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from singer_sdk.pagination import BaseAPIPaginator, PageNumberPaginator

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from cerebro_tap_kit.clock import Clock
    from singer_sdk.helpers.types import Context

API_PATH = "/wp-json/wc/v3"
#: The largest ``per_page`` WooCommerce accepts.
MAX_PAGE_SIZE = 100
#: Hosts where plain HTTP never leaves the machine (a local store or a test server).
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
#: A host's 429 or 503 without Retry-After: wait a minute.
THROTTLE_FALLBACK_SECONDS = 60.0
#: How WooCommerce writes a date and takes one in a query (ISO 8601, seconds, no offset).
WC_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"


class StoreSettingError(FatalAPIError):
    """A setting that cannot reach a store (said in one line before any request)."""


def store_origin(store_url: str) -> str:
    """``tienda.cl`` or ``https://tienda.cl/`` -> ``https://tienda.cl`` (a store in a folder
    keeps it: ``https://tienda.cl/shop``). Plain HTTP is refused except on this machine.

    Raises:
        StoreSettingError: an address that is not a store's, or plain HTTP to another host.
    """
    text = store_url.strip().rstrip("/")
    if "://" not in text:
        text = f"https://{text}"
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise StoreSettingError(
            f"store_url {store_url!r} is not a store's address: write it as https://tienda.cl"
        )
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        raise StoreSettingError(
            f"store_url {store_url!r} is plain HTTP: WooCommerce accepts API keys over plain "
            "HTTP only with OAuth 1.0a signatures, which this tap does not make; use the "
            "store's https:// address"
        )
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def wc_date(value: dt.datetime) -> str:
    """A UTC instant as WooCommerce takes it in a query with ``dates_are_gmt=true``."""
    return value.astimezone(dt.UTC).strftime(WC_DATE_FORMAT)


def parse_gmt(value: str | None) -> dt.datetime | None:
    """A ``*_gmt`` date (``2026-03-22T19:28:02``, UTC without an offset) as an aware instant."""
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(value)
    return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed.astimezone(dt.UTC)


class ConsumerKeyAuth(AuthBase):
    """The store's REST API key on each request: HTTP Basic, or the two query parameters."""

    def __init__(self, key: str, secret: str, *, in_query: bool) -> None:
        self.key, self.secret, self.in_query = key, secret, in_query

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if self.in_query:
            request.prepare_url(
                request.url, {"consumer_key": self.key, "consumer_secret": self.secret}
            )
            return request
        return HTTPBasicAuth(self.key, self.secret)(request)


class TotalPagesPaginator(PageNumberPaginator):
    """Pages 1, 2, ... while ``X-WP-TotalPages`` says there are more."""

    def has_more(self, response: requests.Response) -> bool:
        """Whether pages follow this one."""
        try:
            total_pages = int(response.headers.get("X-WP-TotalPages", "0"))
        except ValueError:
            total_pages = 0
        return self.current_value < total_pages


#: A position in the orders by (modified, id): read from that second on, except those ids.
Keyset = tuple["dt.datetime | None", tuple[int, ...]]


def next_keyset(page: list[dict], position: Keyset) -> Keyset:
    """Where the page after ``page`` (read from ``position``) starts.

    Page numbers over a set that changes while it is read lose records: an order modified
    during the sync leaves its place, every later order moves up one, and the next page starts
    one order too far. Asking again from the last modified date read cannot skip anything;
    ``modified_after`` is exclusive and dates have whole seconds, so the request names one
    second earlier and excludes the ids already read at the last second (which also moves a
    page on when more than a page of orders share one second).
    """
    last = parse_gmt(page[-1]["date_modified_gmt"])
    at_last = {order["id"] for order in page if parse_gmt(order["date_modified_gmt"]) == last}
    previous, read_before = position
    if previous == last:
        at_last |= set(read_before)
    return last, tuple(sorted(at_last))


class ModifiedKeysetPaginator(BaseAPIPaginator):
    """Orders by (modified, id), each page asked from the last one's position
    (``next_keyset``); a page shorter than asked for is the last."""

    def __init__(self, start: dt.datetime | None, page_size: int) -> None:
        super().__init__(start_value=(start, ()))
        self.page_size = page_size

    def has_more(self, response: requests.Response) -> bool:
        """A full page may have more after it."""
        return len(json_body(response) or []) >= self.page_size

    def get_next(self, response: requests.Response) -> Keyset:
        """From the last order's modified date, without the ids read at that second."""
        return next_keyset(json_body(response), self.current_value)


def error_parts(response: requests.Response) -> tuple[str | None, str]:
    """The WordPress error's ``code`` and ``message`` (None and the body's start when the
    answer is not one, e.g. a web server's or a firewall's page)."""
    body = json_body(response)
    if isinstance(body, dict) and "code" in body:
        return str(body.get("code")), str(body.get("message", "")).strip()
    text = " ".join(response.text[:200].split())
    return None, text


class WooCommerceStream(ContractStream, ResilientStream):
    """A collection of the store's wc/v3 API; records land as the raw contract's store
    streams (source ``shopify``, decision 0002), so every model reads them unchanged."""

    source = "shopify"

    @property
    def url_base(self) -> str:
        """The store's wc/v3 root."""
        return store_origin(self.config["store_url"]) + API_PATH

    @functools.cached_property
    def authenticator(self) -> ConsumerKeyAuth:
        """Consumer key and secret, as Basic credentials unless ``query_string_auth``."""
        return ConsumerKeyAuth(
            self.config["consumer_key"],
            self.config["consumer_secret"],
            in_query=bool(self.config.get("query_string_auth")),
        )

    @property
    def clock(self) -> Clock:
        """The tap's clock (tests set a fake one)."""
        return self._tap.clock

    @property
    def page_size(self) -> int:
        """Records per page: the setting, at most WooCommerce's 100."""
        return min(int(self.config.get("page_size", MAX_PAGE_SIZE)), MAX_PAGE_SIZE)

    @property
    def store_label(self) -> str:
        """How messages name the store."""
        return store_origin(self.config["store_url"])

    # Errors ------------------------------------------------------------------------------

    def validate_response(self, response: requests.Response) -> None:
        """2xx with JSON passes; throttling waits; 5xx retries; keys, routes and parameters
        stop with what to do."""
        status = response.status_code
        code, message = error_parts(response)
        said = self.redact(f"HTTP {status} {code}: {message}" if code else f"HTTP {status}")
        where = self.redact(urlsplit(response.url).path)
        if 200 <= status < 300:
            if json_body(response) is None:
                raise FatalAPIError(
                    f"{self.store_label} answered {where} with a page that is not JSON "
                    f"({message[:80]!r}): check store_url, and that WordPress permalinks are "
                    "not 'Plain' (Settings > Permalinks)"
                )
            return
        if status == 429 or (status == 503 and "Retry-After" in response.headers):
            raise RetryAfter(
                f"{self.store_label} is limiting requests ({said})",
                response,
                wait_seconds=self._retry_after(response),
            )
        if status >= 500:
            raise RetriableAPIError(f"{self.store_label} failed ({said}) for {where}", response)
        if status == 401:
            raise FatalAPIError(self._refused_keys_message(code, said))
        if status == 404 and code == "rest_no_route":
            raise FatalAPIError(
                f"{self.store_label} has no WooCommerce REST API at {API_PATH} ({said}): check "
                "store_url, that WooCommerce is 3.5 or later and that WordPress permalinks are "
                "not 'Plain' (Settings > Permalinks)"
            )
        raise FatalAPIError(f"{self.store_label} refused {where} ({said})")

    def _refused_keys_message(self, code: str | None, said: str) -> str:
        fix = (
            "check consumer_key and consumer_secret (the environment variables the tenant's "
            "secrets name) and that the key has Read access (WooCommerce > Settings > "
            "Advanced > REST API)"
        )
        if code == "woocommerce_rest_cannot_view":
            fix += (
                "; if they are right, the server drops the Authorization header: set "
                "query_string_auth: true"
            )
        return f"{self.store_label} refused the API key ({said}): {fix}"

    def _retry_after(self, response: requests.Response) -> float:
        try:
            return max(0.0, float(response.headers.get("Retry-After", "")))
        except ValueError:
            return THROTTLE_FALLBACK_SECONDS

    def parse_response(self, response: requests.Response) -> Iterator[dict]:
        """The records of a collection (a JSON list; amounts as exact decimals)."""
        yield from response.json(parse_float=decimal.Decimal)

    def post_process(self, row: dict, context: Context | None = None) -> dict:
        """Stamp the tenant on every record (it leads every primary key)."""
        return {"tenant_id": self.config["tenant_id"], **row}

    def get(self, path: str, params: dict) -> t.Any:
        """One request outside the stream's pages, with the same auth, retries and errors."""
        return self.send_json("GET", f"{self.url_base}{path}", params=params)
