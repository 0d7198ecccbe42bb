"""How an Admin GraphQL API response is judged: data, retry later, smaller page, or stop.

Shopify reports most problems with HTTP 200 and an ``errors`` list whose
``extensions.code`` says what happened, so the status code alone is not enough.
https://shopify.dev/docs/api/admin-graphql#status_and_error_codes
"""

from __future__ import annotations

import decimal
import json
import typing as t

from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

if t.TYPE_CHECKING:
    from collections.abc import Mapping

#: How much of an unexpected response body an error message quotes.
_BODY_EXCERPT_CHARS = 300


class ShopifyThrottledError(RetriableAPIError):
    """The query was not run for lack of points in the leaky bucket; retry after the wait.

    https://shopify.dev/docs/api/usage/limits#the-leaky-bucket-algorithm
    """

    def __init__(self, message: str, wait_seconds: float) -> None:
        super().__init__(message)
        self.wait_seconds = wait_seconds


class ShopifyServerError(RetriableAPIError):
    """A transient failure on Shopify's side (5xx, HTTP 429, ``INTERNAL_SERVER_ERROR``)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class QueryCostExceededError(Exception):
    """The query asks for more than the single-query maximum (1000 points): page smaller.

    https://shopify.dev/docs/api/usage/limits#graphql-admin-api-rate-limits
    """

    def __init__(self, message: str, cost: float | None, max_cost: float | None) -> None:
        super().__init__(message)
        self.cost = None if cost is None else float(cost)
        self.max_cost = None if max_cost is None else float(max_cost)

    def fitting_page_size(self, page_size: int) -> int:
        """The largest page (below ``page_size``) whose cost should fit, or 0 if none can.

        A connection costs about 2 + first x (cost of one node), so the cost per node is
        read off the refused query; without the figures the page is halved.
        """
        if page_size <= 1:
            return 0
        if self.cost and self.max_cost and self.cost > self.max_cost:
            per_node = (self.cost - 2) / page_size
            fitting = int((self.max_cost - 2) // per_node)
            return max(1, min(fitting, page_size - 1))
        return page_size // 2


class ShopifyAuthError(FatalAPIError):
    """The access token was refused (HTTP 401/403) or lacks a scope (``ACCESS_DENIED``)."""


def redact(text: str, secret: str | None) -> str:
    """``text`` with every occurrence of ``secret`` masked (messages must never carry it)."""
    return text.replace(secret, "***") if secret else text


def _excerpt(content: bytes) -> str:
    text = content.decode("utf-8", errors="replace").strip()
    return text if len(text) <= _BODY_EXCERPT_CHARS else text[:_BODY_EXCERPT_CHARS] + "..."


def _retry_after(headers: Mapping[str, str]) -> float | None:
    try:
        return float(headers.get("Retry-After", ""))
    except ValueError:
        return None


def _check_status(status: int, content: bytes, headers: Mapping[str, str], shop: str) -> None:
    if status == 401:
        raise ShopifyAuthError(
            f"Shopify refused the access token for {shop} (HTTP 401 Unauthorized). Check the "
            "access_token setting, i.e. the environment variable the tenant's `secrets` "
            "names: the token may be revoked, mistyped or belong to another store."
        )
    if status == 403:
        raise ShopifyAuthError(
            f"Shopify forbids this access token on {shop} (HTTP 403 Forbidden): the app "
            f"needs the scopes listed in docs/sources.md. Response: {_excerpt(content)}"
        )
    if status == 429 or status >= 500:
        raise ShopifyServerError(
            f"Shopify answered HTTP {status} for {shop}; retrying.",
            retry_after=_retry_after(headers),
        )
    if status == 404:
        raise FatalAPIError(
            f"Shopify answered HTTP 404 for {shop}: check the shop and api_version settings "
            "(an API version that no longer exists, or a store that does not)."
        )
    if status >= 400:
        raise FatalAPIError(f"Shopify answered HTTP {status} for {shop}: {_excerpt(content)}")


def _throttle_wait(body: dict) -> float:
    """Seconds until the bucket holds the query's cost: (requested - available) / restore."""
    cost = (body.get("extensions") or {}).get("cost") or {}
    status = cost.get("throttleStatus") or {}
    requested = cost.get("requestedQueryCost")
    available = status.get("currentlyAvailable")
    restore_rate = status.get("restoreRate")
    if requested is None or available is None or not restore_rate:
        return 1.0  # no figures: a second restores at least 50 points on every plan
    return max(0.0, (float(requested) - float(available)) / float(restore_rate))


def _check_graphql_errors(body: dict, shop: str) -> None:
    errors = body.get("errors")
    if not errors:
        return
    if isinstance(errors, str):  # some non-GraphQL failures answer {"errors": "text"}
        raise FatalAPIError(f"Shopify refused the request for {shop}: {errors}")
    codes = {(error.get("extensions") or {}).get("code") for error in errors}
    messages = "; ".join(str(error.get("message")) for error in errors)
    if "THROTTLED" in codes:
        raise ShopifyThrottledError(f"throttled by Shopify: {messages}", _throttle_wait(body))
    if "MAX_COST_EXCEEDED" in codes:
        extensions = next(
            e.get("extensions") or {}
            for e in errors
            if (e.get("extensions") or {}).get("code") == "MAX_COST_EXCEEDED"
        )
        requested = ((body.get("extensions") or {}).get("cost") or {}).get("requestedQueryCost")
        raise QueryCostExceededError(
            messages, extensions.get("cost", requested), extensions.get("maxCost")
        )
    if "ACCESS_DENIED" in codes:
        required = sorted(
            {
                str((error.get("extensions") or {}).get("requiredAccess"))
                for error in errors
                if (error.get("extensions") or {}).get("requiredAccess")
            }
        )
        needs = f" Required: {', '.join(required)}." if required else ""
        raise ShopifyAuthError(
            f"Shopify denied access on {shop} (ACCESS_DENIED): {messages}.{needs} Grant the "
            "app the scopes listed in docs/sources.md (read_customers, read_orders, "
            "read_all_orders, read_checkouts, read_fulfillments) and reinstall it."
        )
    if "INTERNAL_SERVER_ERROR" in codes:
        raise ShopifyServerError(f"Shopify reported an internal error for {shop}: {messages}")
    raise FatalAPIError(f"Shopify rejected the query for {shop}: {messages}")


def checked_body(status: int, content: bytes, headers: Mapping[str, str], shop: str) -> dict:
    """The parsed JSON body of a successful response (numbers as Decimal), or raise.

    Raises:
        ShopifyThrottledError: retry after ``wait_seconds``.
        ShopifyServerError: transient, retry with backoff.
        QueryCostExceededError: the same query with a smaller page may pass.
        ShopifyAuthError: the token is refused or lacks a scope (fatal).
        FatalAPIError: any other error, with Shopify's message.
    """
    _check_status(status, content, headers, shop)
    try:
        body = json.loads(content, parse_float=decimal.Decimal)
    except ValueError as error:
        raise ShopifyServerError(
            f"Shopify sent a body that is not JSON for {shop}: {_excerpt(content)}"
        ) from error
    _check_graphql_errors(body, shop)
    if body.get("data") is None:
        raise FatalAPIError(f"Shopify answered without data for {shop}: {_excerpt(content)}")
    return body
