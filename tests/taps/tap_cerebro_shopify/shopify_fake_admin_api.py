"""A local stand-in for the Shopify Admin GraphQL API, served by pytest-httpserver.

It really executes the tap's GraphQL documents (graphql-core) against a schema that
copies the subset of Shopify's schema the tap uses, with Shopify's field names, enums
and argument names, so a misspelt field or a wrong enum value fails here as it would
against Shopify. Around that it behaves like the real endpoint:

- auth: ``X-Shopify-Access-Token`` must match, else HTTP 401 with Shopify's body;
- scopes: a top-level connection without its scope answers ``ACCESS_DENIED``;
  without ``read_all_orders`` orders created more than 60 days ago are invisible;
- pagination: ``first`` at most 250, opaque cursors, ``pageInfo`` with an ``endCursor``
  on the last page too; ``query`` filters on ``updated_at`` with Shopify's syntax;
- cost: Shopify's rules (object 1, connection 2 + first x node, scalar 0); a query above
  1000 points answers ``MAX_COST_EXCEEDED``; every answer carries ``extensions.cost``;
- scripted faults: THROTTLED or HTTP 5xx for the next requests, or the token revoked
  in the middle of a sync.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
import re
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import graphql
from werkzeug import Request, Response

SCHEMA_SDL = (Path(__file__).parent / "shopify_admin_schema_subset.graphql").read_text()

MAX_QUERY_COST = 1000
MAX_FIRST = 250
SCOPE_OF_CONNECTION = {
    "customers": "read_customers",
    "orders": "read_orders",
    "abandonedCheckouts": "read_orders",
    "order": "read_orders",
}
ALL_SCOPES = frozenset(
    {"read_customers", "read_orders", "read_all_orders", "read_checkouts", "read_fulfillments"}
)
UNAUTHORIZED_BODY = {
    "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
}
_SEARCH_TERM = re.compile(r"updated_at:(>=|<=|>|<)'([^']+)'")


@dataclass
class FakeShop:
    """A store's data as Shopify nodes (dicts); metafields as ``{"custom.rut": "..."}``."""

    customers: list[dict] = field(default_factory=list)
    orders: list[dict] = field(default_factory=list)
    checkouts: list[dict] = field(default_factory=list)


@dataclass
class Throttle:
    """One THROTTLED answer with these bucket figures."""

    requested: float = 290
    available: float = 40
    restore_rate: float = 50


@dataclass
class HttpFailure:
    """One answer with this HTTP status and a non-GraphQL body."""

    status: int = 502
    body: str = "<html>Bad Gateway</html>"


@dataclass
class RevokeTokenAfter:
    """The token is refused once ``operation`` has been answered ``requests`` times (the
    app was uninstalled in the middle of a sync)."""

    operation: str
    requests: int


@functools.cache
def parse_time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value).astimezone(dt.UTC)


def _cursor(key: tuple) -> str:
    return base64.b64encode(json.dumps(key).encode()).decode()


def _uncursor(cursor: str) -> tuple:
    return tuple(json.loads(base64.b64decode(cursor)))


def _numeric_id(node: dict) -> int:
    return int(node["id"].rsplit("/", 1)[-1])


def _search_filter(query: str | None):
    bounds = [(op, parse_time(value)) for op, value in _SEARCH_TERM.findall(query or "")]
    compare = {
        ">=": lambda a, b: a >= b,
        ">": lambda a, b: a > b,
        "<=": lambda a, b: a <= b,
        "<": lambda a, b: a < b,
    }

    def keep(node: dict) -> bool:
        updated = parse_time(node["updatedAt"])
        return all(compare[op](updated, bound) for op, bound in bounds)

    return keep


def _sort_key(node: dict, sort_key: str | None) -> tuple:
    if sort_key == "UPDATED_AT":
        return (parse_time(node["updatedAt"]).isoformat(), _numeric_id(node))
    return (_numeric_id(node),)


def _page(nodes: list[dict], first: int | None, after: str | None, sort_key: str | None) -> dict:
    if first is None or not 0 < first <= MAX_FIRST:
        raise graphql.GraphQLError(
            f"The 'first' argument must be between 1 and {MAX_FIRST}.",
            extensions={"code": "BAD_USER_INPUT"},
        )
    ordered = sorted(nodes, key=lambda node: _sort_key(node, sort_key))
    if after is not None:
        last = _uncursor(after)
        ordered = [node for node in ordered if _sort_key(node, sort_key) > tuple(last)]
    page = ordered[:first]
    end = _cursor(_sort_key(page[-1], sort_key)) if page else after
    return {
        "nodes": page,
        "pageInfo": {
            "hasNextPage": len(ordered) > first,
            "hasPreviousPage": after is not None,
            "startCursor": _cursor(_sort_key(page[0], sort_key)) if page else None,
            # Shopify gives the last page an endCursor too: only hasNextPage stops paging.
            "endCursor": end,
        },
    }


class FakeShopifyAdminAPI:
    """The fake endpoint; ``install`` registers it on a pytest-httpserver server."""

    def __init__(
        self,
        shop: FakeShop,
        *,
        token: str,
        api_version: str = "2026-10",
        scopes: frozenset[str] = ALL_SCOPES,
        now: dt.datetime | None = None,
        node_cost_extra: int = 0,
    ) -> None:
        self.shop = shop
        self.token = token
        self.api_version = api_version
        self.scopes = set(scopes)
        self.now = now or dt.datetime.now(dt.UTC)
        #: Added to each node's cost, to make one record cost more than the query limit.
        self.node_cost_extra = node_cost_extra
        self.faults: deque = deque()
        self.requests: list[dict] = []
        self.token_revoked = False
        self.revoke: RevokeTokenAfter | None = None
        self.schema = graphql.build_schema(SCHEMA_SDL)
        self._bind_resolvers()

    @property
    def path(self) -> str:
        return f"/admin/api/{self.api_version}/graphql.json"

    def install(self, httpserver) -> None:
        httpserver.expect_request(self.path, method="POST").respond_with_handler(self.handle)

    def fail_next(self, *faults) -> None:
        """Answer the next requests with these faults, in order, then normally."""
        self.faults.extend(faults)

    def revoke_token_after(self, operation: str, requests: int) -> None:
        """Refuse the token once ``operation`` has been answered ``requests`` times."""
        self.revoke = RevokeTokenAfter(operation, requests)

    def restore_token(self) -> None:
        """The app is installed again with the same token."""
        self.revoke, self.token_revoked = None, False

    def _revoke_if_due(self) -> None:
        if self.revoke is None:
            return
        answered = [r for r in self.requests if f"query {self.revoke.operation}" in r["query"]]
        if len(answered) > self.revoke.requests:
            self.token_revoked = True

    # Resolvers ---------------------------------------------------------------------------

    def _bind_resolvers(self) -> None:
        query = self.schema.query_type.fields
        query["customers"].resolve = self._connection(lambda: self.shop.customers)
        query["orders"].resolve = self._connection(self._visible_orders)
        query["abandonedCheckouts"].resolve = self._connection(lambda: self.shop.checkouts)
        query["order"].resolve = self._order_by_id
        for type_name in ("Customer", "Order"):
            self.schema.get_type(type_name).fields["metafield"].resolve = _metafield
        order_fields = self.schema.get_type("Order").fields
        order_fields["lineItems"].resolve = _line_items

    def _require_scope(self, info) -> None:
        scope = SCOPE_OF_CONNECTION[info.field_name]
        if scope not in self.scopes:
            raise graphql.GraphQLError(
                f"Access denied for {info.field_name} field. Required access: `{scope}` "
                "access scope.",
                extensions={
                    "code": "ACCESS_DENIED",
                    "documentation": "https://shopify.dev/api/usage/access-scopes",
                    "requiredAccess": f"`{scope}` access scope.",
                },
            )

    def _visible_orders(self) -> list[dict]:
        if "read_all_orders" in self.scopes:
            return self.shop.orders
        horizon = self.now - dt.timedelta(days=60)
        return [order for order in self.shop.orders if parse_time(order["createdAt"]) >= horizon]

    def _connection(self, nodes_of):
        def resolve(_root, info, first=None, after=None, query=None, sortKey=None, **_):
            self._require_scope(info)
            keep = _search_filter(query)
            return _page([n for n in nodes_of() if keep(n)], first, after, sortKey)

        return resolve

    def _order_by_id(self, _root, info, id):
        self._require_scope(info)
        return next((order for order in self._visible_orders() if order["id"] == id), None)

    # Cost ----------------------------------------------------------------------------------

    def query_cost(self, document: graphql.DocumentNode, variables: dict) -> int:
        """Shopify's requested cost: scalars and enums 0, objects 1, a connection
        2 + first x (cost of one node), a list of objects its size argument x one."""
        fragments = {
            d.name.value: d
            for d in document.definitions
            if isinstance(d, graphql.FragmentDefinitionNode)
        }
        operation = next(
            d for d in document.definitions if isinstance(d, graphql.OperationDefinitionNode)
        )

        def fields_of(selection_set):
            for selection in selection_set.selections:
                if isinstance(selection, graphql.FragmentSpreadNode):
                    yield from fields_of(fragments[selection.name.value].selection_set)
                elif isinstance(selection, graphql.InlineFragmentNode):
                    yield from fields_of(selection.selection_set)
                else:
                    yield selection

        def cost(selection_set, parent) -> int:
            total = 0
            for node in fields_of(selection_set):
                definition = parent.fields[node.name.value]
                named = graphql.get_named_type(definition.type)
                if graphql.is_leaf_type(named):
                    continue
                arguments = graphql.get_argument_values(definition, node, variables)
                inner = cost(node.selection_set, named)
                if named.name.endswith("Connection"):
                    total += 2 + int(arguments.get("first") or 1) * inner
                elif parent.name.endswith("Connection") and node.name.value == "nodes":
                    total += 1 + inner + self.node_cost_extra
                elif graphql.is_list_type(graphql.get_nullable_type(definition.type)):
                    total += int(arguments.get("first") or 1) * (1 + inner)
                else:
                    total += 1 + inner
            return total

        return cost(operation.selection_set, self.schema.query_type)

    # HTTP ----------------------------------------------------------------------------------

    def _json(self, payload: dict, status: int = 200) -> Response:
        return Response(json.dumps(payload), status=status, content_type="application/json")

    def _cost_extensions(self, requested: float, available: float = 1000.0) -> dict:
        return {
            "cost": {
                "requestedQueryCost": requested,
                "actualQueryCost": requested,
                "throttleStatus": {
                    "maximumAvailable": 1000.0,
                    "currentlyAvailable": available,
                    "restoreRate": 50.0,
                },
            }
        }

    def _fault(self, fault) -> Response | None:
        if isinstance(fault, Throttle):
            return self._json(
                {
                    "errors": [
                        {
                            "message": "Throttled",
                            "extensions": {
                                "code": "THROTTLED",
                                "documentation": "https://shopify.dev/api/usage/rate-limits",
                            },
                        }
                    ],
                    "extensions": {
                        "cost": {
                            "requestedQueryCost": fault.requested,
                            "actualQueryCost": None,
                            "throttleStatus": {
                                "maximumAvailable": 1000.0,
                                "currentlyAvailable": fault.available,
                                "restoreRate": fault.restore_rate,
                            },
                        }
                    },
                }
            )
        if isinstance(fault, HttpFailure):
            return Response(fault.body, status=fault.status, content_type="text/html")
        return None

    def handle(self, request: Request) -> Response:
        payload = json.loads(request.get_data())
        variables = payload.get("variables") or {}
        self.requests.append(
            {"query": payload["query"], "variables": variables, "headers": dict(request.headers)}
        )
        if self.faults:
            response = self._fault(self.faults.popleft())
            if response is not None:
                return response
        self._revoke_if_due()
        if self.token_revoked or request.headers.get("X-Shopify-Access-Token") != self.token:
            return self._json(UNAUTHORIZED_BODY, status=401)
        document = graphql.parse(payload["query"])
        problems = graphql.validate(self.schema, document)
        if problems:
            return self._json({"errors": [error.formatted for error in problems]})
        cost = self.query_cost(document, variables)
        if cost > MAX_QUERY_COST:
            return self._json(
                {
                    "errors": [
                        {
                            "message": f"Query cost is {cost}, which exceeds the single query "
                            f"max cost limit ({MAX_QUERY_COST}).",
                            "extensions": {
                                "code": "MAX_COST_EXCEEDED",
                                "cost": cost,
                                "maxCost": MAX_QUERY_COST,
                            },
                        }
                    ],
                    "extensions": self._cost_extensions(cost),
                }
            )
        result = graphql.execute(self.schema, document, variable_values=variables)
        body: dict = {"data": result.data, "extensions": self._cost_extensions(cost)}
        if result.errors:
            body["errors"] = [error.formatted for error in result.errors]
        return self._json(body)


def _metafield(node: dict, _info, key: str, namespace: str | None = None):
    value = node.get("metafields", {}).get(f"{namespace or 'custom'}.{key}")
    if value is None:
        return None
    return {"namespace": namespace, "key": key, "value": value, "type": "single_line_text_field"}


def _line_items(order: dict, _info, first=None, after=None):
    indexed = [{**line, "_position": i} for i, line in enumerate(order["lineItems"])]
    start = int(after) + 1 if after is not None else 0
    page = indexed[start : start + (first or MAX_FIRST)]
    return {
        "nodes": page,
        "pageInfo": {
            "hasNextPage": start + len(page) < len(indexed),
            "hasPreviousPage": start > 0,
            "startCursor": str(start),
            "endCursor": str(start + len(page) - 1) if page else after,
        },
    }
