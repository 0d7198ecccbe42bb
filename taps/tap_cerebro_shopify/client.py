"""The base stream of the Shopify Admin GraphQL API: everything the streams share.

Endpoint and auth, cursor pagination, the ``updated_at`` search window, throttling,
query-cost limits, retries, and the ``tenant_id`` stamp. Streams (``streams.py``) only
say which query to run and how a node becomes a record.
"""

from __future__ import annotations

import datetime as dt
import functools
import typing as t
from pathlib import Path

import requests
from cerebro_tap_kit.contract_stream import ContractStream
from cerebro_tap_kit.http import unknown_host_error
from singer_sdk.authenticators import APIKeyAuthenticator
from singer_sdk.exceptions import FatalAPIError
from singer_sdk.streams import GraphQLStream

from tap_cerebro_shopify.errors import (
    QueryCostExceededError,
    ShopifyServerError,
    ShopifyThrottledError,
    checked_body,
    redact,
)

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from cerebro_tap_kit.clock import Clock
    from singer_sdk.helpers.types import Context

QUERIES_DIR = Path(__file__).parent / "queries"


def load_query(file_name: str) -> str:
    """The text of a GraphQL document in ``queries/``."""
    return (QUERIES_DIR / file_name).read_text(encoding="utf-8")


def shop_domain(shop: str) -> str:
    """``casafacil`` or ``https://casafacil.myshopify.com/`` -> ``casafacil.myshopify.com``."""
    host = shop.strip().removeprefix("https://").removeprefix("http://").strip("/")
    return host if "." in host else f"{host}.myshopify.com"


def search_timestamp(value: dt.datetime) -> str:
    """A UTC instant as Shopify's search syntax takes it (``2024-01-31T03:00:00Z``)."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ShopifyStream(ContractStream, GraphQLStream):
    """A stream read from one connection of the Admin GraphQL API, oldest update first.

    Name, schema, primary key and replication key are the raw contract's (``updated_at``;
    an order's child lists, ``order_updated_at``)."""

    source = "shopify"

    #: The top-level connection the query reads (``customers``, ``orders``, ...).
    connection: t.ClassVar[str]
    #: The query document in ``queries/``; it takes $first, $after and $query.
    query_file: t.ClassVar[str]
    #: Node -> record (without tenant_id), from ``records.py``.
    to_record: t.ClassVar[Callable[[dict], dict]]

    # Re-reading the lookback window sends records older than the bookmark on purpose,
    # so the SDK's check that the replication key never decreases must be off; the
    # order itself is Shopify's (sortKey: UPDATED_AT).
    check_sorted = False

    #: Attempts at one request when Shopify fails transiently (5xx, 429, network).
    max_attempts = 5
    #: First backoff wait after a transient failure; it doubles at each attempt.
    first_backoff_seconds = 1.0
    #: Consecutive THROTTLED answers tolerated for one request before giving up.
    max_throttled_waits = 30

    def __init__(self, tap) -> None:
        super().__init__(tap)
        self.page_size = int(self.config["page_size"])

    # Endpoint and auth -----------------------------------------------------------------

    @property
    def url_base(self) -> str:
        """The store's origin, or ``base_url`` (a proxy, or a local fake API in tests)."""
        base = self.config.get("base_url") or f"https://{shop_domain(self.config['shop'])}"
        return base.rstrip("/")

    @property
    def path(self) -> str:
        """The versioned GraphQL endpoint; the version is a setting, as Shopify retires
        each one after a year. https://shopify.dev/docs/api/usage/versioning"""
        return f"/admin/api/{self.config['api_version']}/graphql.json"

    @functools.cached_property
    def authenticator(self) -> APIKeyAuthenticator:
        """Admin API access tokens travel in ``X-Shopify-Access-Token``.
        https://shopify.dev/docs/api/usage/authentication#access-tokens-for-the-admin-api"""
        return APIKeyAuthenticator(
            key="X-Shopify-Access-Token", value=self.config["access_token"], location="header"
        )

    @functools.cached_property
    def query(self) -> str:
        """The stream's GraphQL document."""
        return load_query(self.query_file)

    @property
    def clock(self) -> Clock:
        """The tap's clock: what "now" is and how waiting is done (tests use a fake one)."""
        return self._tap.clock

    @property
    def shop_label(self) -> str:
        """How error messages name the store."""
        return shop_domain(self.config["shop"])

    # Requests ----------------------------------------------------------------------------

    def _post_once(self, query: str, variables: dict) -> dict:
        request = self.build_prepared_request(
            method="POST",
            url=self.get_url(None),
            json={"query": query, "variables": variables},
            headers=self.http_headers,
        )
        response = self.requests_session.send(request, timeout=self.timeout)
        return checked_body(
            response.status_code, response.content, response.headers, self.shop_label
        )

    def post_graphql(self, query: str, variables: dict) -> dict:
        """Run a query; wait out throttling and retry transient failures with backoff.

        Raises:
            QueryCostExceededError: for the caller to ask for a smaller page.
            FatalAPIError: auth, scope or query errors, or retries exhausted.
        """
        failures = throttled = 0
        while True:
            try:
                return self._post_once(query, variables)
            except ShopifyThrottledError as error:
                # THROTTLED arrives as HTTP 200: the query did not run and cost nothing.
                # https://shopify.dev/docs/api/usage/limits#graphql-admin-api-rate-limits
                throttled += 1
                if throttled > self.max_throttled_waits:
                    raise FatalAPIError(
                        f"{self.name}: still throttled by {self.shop_label} after "
                        f"{self.max_throttled_waits} waits; another app may be using the "
                        "store's whole API budget."
                    ) from None
                self.logger.info("Throttled by Shopify; waiting %.2f s", error.wait_seconds)
                self.clock.sleep(error.wait_seconds)
            except (ShopifyServerError, requests.ConnectionError, requests.Timeout) as error:
                dns_failure = unknown_host_error(self.name, error)
                if dns_failure is not None:  # a misspelt shop: no retry can help
                    raise dns_failure from None
                failures += 1
                if failures >= self.max_attempts:
                    message = redact(str(error), self.config.get("access_token"))
                    raise FatalAPIError(
                        f"{self.name}: {self.shop_label} failed {failures} times in a row; "
                        f"last error: {message}"
                    ) from None
                wait = getattr(error, "retry_after", None) or (
                    self.first_backoff_seconds * 2 ** (failures - 1)
                )
                self.logger.warning(
                    "Transient failure (%s); retry %d of %d in %.1f s",
                    redact(str(error), self.config.get("access_token")),
                    failures,
                    self.max_attempts - 1,
                    wait,
                )
                self.clock.sleep(wait)

    def post_page(self, query: str, variables: dict, first: int) -> tuple[dict, int]:
        """Run a paginated query with ``first`` records per page, shrinking the page while
        Shopify refuses it as too costly; return the data and the page size that passed.

        Raises:
            FatalAPIError: when even one record per page costs too much.
        """
        while True:
            try:
                body = self.post_graphql(query, {**variables, "first": first})
                return body["data"], first
            except QueryCostExceededError as error:
                smaller = error.fitting_page_size(first)
                if smaller < 1:
                    raise FatalAPIError(
                        f"{self.name}: a single record costs {error.cost} points, more than "
                        f"the {error.max_cost} Shopify allows in one query ({error})."
                    ) from None
                self.logger.info(
                    "%s: %d records per page cost %s points (limit %s); using pages of %d",
                    self.name,
                    first,
                    error.cost,
                    error.max_cost,
                    smaller,
                )
                first = smaller

    # Incremental window and pagination -----------------------------------------------

    @functools.cached_property
    def window_end(self) -> dt.datetime:
        """Exclusive upper bound of ``updatedAt``: ``end_date``, else when this sync began.

        A fixed bound keeps the result set still while it is paged; what changes during
        the sync is read by the next one.
        """
        end = self.config.get("end_date")
        if end:
            parsed = dt.datetime.fromisoformat(str(end))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
        return self.clock.now().astimezone(dt.UTC).replace(microsecond=0)

    def window_start(self, context: Context | None) -> dt.datetime | None:
        """Inclusive lower bound: the bookmark (or ``start_date``) minus the lookback.

        Search results can trail recent writes (the ``query`` filter runs on a search
        index), so a record updated just before the previous sync ended may only now be
        found; re-reading a few minutes is harmless because the target upserts on the
        primary key. Filter syntax: https://shopify.dev/docs/api/usage/search-syntax
        """
        start = self.get_starting_timestamp(context)
        if start is None:
            return None
        if start.tzinfo is None:
            start = start.replace(tzinfo=dt.UTC)
        return start - dt.timedelta(minutes=int(self.config["lookback_minutes"]))

    def search_query(self, context: Context | None) -> str:
        """``updated_at:>='start' AND updated_at:<'end'`` with explicit UTC instants."""
        terms = []
        start = self.window_start(context)
        if start is not None:
            terms.append(f"updated_at:>='{search_timestamp(start)}'")
        terms.append(f"updated_at:<'{search_timestamp(self.window_end)}'")
        return " AND ".join(terms)

    def query_variables(self) -> dict:
        """Variables the stream's query takes besides $first, $after and $query."""
        return {}

    def request_pages(self, context: Context | None) -> Iterator[list[dict]]:
        """The nodes of the connection in the window, a page at a time.

        Shopify's last page still carries an ``endCursor``; only
        ``pageInfo.hasNextPage == false`` says there is nothing more.
        https://shopify.dev/docs/api/usage/pagination-graphql
        """
        search = self.search_query(context)
        self.logger.info("%s: reading records where %s", self.name, search)
        variables = {**self.query_variables(), "query": search, "after": None}
        while True:
            data, self.page_size = self.post_page(self.query, variables, self.page_size)
            connection = data[self.connection]
            yield connection["nodes"]
            if not connection["pageInfo"]["hasNextPage"]:
                return
            variables["after"] = connection["pageInfo"]["endCursor"]

    def request_records(self, context: Context | None) -> Iterator[dict]:
        """Every node of the connection in the window."""
        for page in self.request_pages(context):
            yield from page

    def get_records(self, context: Context | None) -> Iterator[dict]:
        """The stream's records, converted from the API's nodes."""
        for node in self.request_records(context):
            yield self.to_record(node)

    def post_process(self, row: dict, context: Context | None = None) -> dict:
        """Stamp the tenant on every record (it leads every primary key)."""
        return {"tenant_id": self.config["tenant_id"], **row}
