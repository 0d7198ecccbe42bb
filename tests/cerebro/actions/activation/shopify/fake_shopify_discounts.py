"""A local stand-in for the discount part of Shopify's Admin GraphQL API.

Like the tap's fake (``tests/taps/tap_cerebro_shopify/shopify_fake_admin_api.py``) it really
executes the client's GraphQL documents (graphql-core) against a schema that copies the subset
of Shopify's schema in use (``shopify_discounts_schema_subset.graphql``), so a misspelt field,
input or enum fails here as it would against Shopify. It is stateful and behaves like the
endpoint as Shopify documents it:

- endpoint ``POST /admin/api/{version}/graphql.json``, body ``{"query", "variables"}``;
- auth: ``X-Shopify-Access-Token`` must match, else HTTP 401 with Shopify's body
  ``{"errors": "[API] Invalid API key or access token ..."}``; a token can be revoked after a
  number of mutations (the app uninstalled mid-sync);
- scope: a mutation without ``write_discounts`` answers HTTP 200 with an ``ACCESS_DENIED``
  error;
- cost and throttling: a leaky bucket per app and store (``maximum_available`` points,
  refilled at ``restore_rate`` points a second); a mutation costs 10 points, a query 1 per
  object and 2 + first x node per connection; a request the bucket cannot pay is not run and
  answers HTTP 200 with ``errors[0].extensions.code == "THROTTLED"``; every answer carries
  ``extensions.cost`` (``requestedQueryCost``, ``actualQueryCost``, ``throttleStatus`` with
  ``maximumAvailable``, ``currentlyAvailable``, ``restoreRate``). The bucket reads ``clock``
  (seconds), so a test or a benchmark can share a fake clock with the client's sleep;
- ``discountCodeBasicCreate`` validates as Shopify documents (title and code required, code at
  most 255 characters and unique in the store, percentage between 0 and 1, usage limit above
  0, end after start) and answers problems as ``userErrors`` with a ``DiscountErrorCode``,
  the input path in ``field`` and a message. Messages, and the answer for a customer the store
  does not have (``INVALID`` on ``context.customers.add``), are this fake's wording: Shopify
  does not publish them, and the client keys on ``code`` only;
- scripted faults: HTTP 5xx with an HTML body, or a THROTTLED answer, for the next requests.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import graphql
from werkzeug import Request, Response

SCHEMA_SDL = (Path(__file__).parent / "shopify_discounts_schema_subset.graphql").read_text()

MUTATION_COST = 10
UNAUTHORIZED_BODY = {
    "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
}
_CUSTOMER_GID = re.compile(r"gid://shopify/Customer/(\d+)")
_MAX_CODE_LENGTH = 255


@dataclass
class Discount:
    """A code discount as the store keeps it."""

    id: str
    code: str
    title: str
    percentage: float
    customer_ids: list[str]
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    usage_limit: int | None
    applies_once_per_customer: bool
    items_all: bool


@dataclass
class HttpFailure:
    """One answer with this HTTP status and a non-GraphQL body."""

    status: int = 502
    body: str = "<html>Bad Gateway</html>"


@dataclass
class Throttled:
    """One THROTTLED answer whatever the bucket holds (e.g. another app used it)."""

    available: float = 0.0


@dataclass
class FakeShopifyDiscounts:
    """The fake endpoint for one store; ``install`` registers it on a pytest-httpserver."""

    token: str
    customer_ids: set[str] = field(default_factory=set)  # numeric ids of the store's customers
    api_version: str = "2026-10"
    scopes: frozenset[str] = frozenset({"read_discounts", "write_discounts"})
    maximum_available: float = 2000.0
    restore_rate: float = 100.0
    clock: Callable[[], float] = time.monotonic
    #: Keep each request (query, variables, headers); off for the 100 000-member benchmark.
    keep_requests: bool = True

    def __post_init__(self) -> None:
        self.discounts: dict[str, Discount] = {}  # by code, upper-cased (codes are unique)
        self.requests: list[dict] = []
        self.request_count = 0
        self.throttled_count = 0
        self.faults: deque = deque()
        self.revoke_after_mutations: int | None = None
        self._mutations = 0
        self._available = self.maximum_available
        self._last_refill = self.clock()
        self._ids = itertools.count(1)
        self.schema = graphql.build_schema(SCHEMA_SDL)
        self._documents: dict[str, tuple] = {}
        self._bind_resolvers()

    @property
    def path(self) -> str:
        return f"/admin/api/{self.api_version}/graphql.json"

    def install(self, httpserver) -> None:
        httpserver.expect_request(self.path, method="POST").respond_with_handler(self.handle)

    def fail_next(self, *faults: HttpFailure | Throttled) -> None:
        """Answer the next requests with these faults, in order, then normally."""
        self.faults.extend(faults)

    def revoke_token_after(self, mutations: int) -> None:
        """Refuse the token once this many mutations have been answered."""
        self.revoke_after_mutations = mutations

    def discounts_of(self, customer_id: str) -> list[Discount]:
        """The discounts a customer (numeric id) can use."""
        gid = f"gid://shopify/Customer/{customer_id}"
        return [d for d in self.discounts.values() if gid in d.customer_ids]

    # Bucket --------------------------------------------------------------------------------

    def _refill(self) -> None:
        now = self.clock()
        elapsed = max(0.0, now - self._last_refill)
        self._available = min(self.maximum_available, self._available + elapsed * self.restore_rate)
        self._last_refill = now

    def _cost_extensions(self, requested: float, actual: float | None) -> dict:
        return {
            "cost": {
                "requestedQueryCost": requested,
                "actualQueryCost": actual,
                "throttleStatus": {
                    "maximumAvailable": self.maximum_available,
                    "currentlyAvailable": round(self._available, 3),
                    "restoreRate": self.restore_rate,
                },
            }
        }

    def _throttled(self, requested: float) -> Response:
        self.throttled_count += 1
        return _json(
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
                "extensions": self._cost_extensions(requested, None),
            }
        )

    # Cost ----------------------------------------------------------------------------------

    def query_cost(self, document: graphql.DocumentNode, variables: dict) -> int:
        """10 per mutation; for queries, objects 1, connections 2 + first x node."""
        operation = next(
            d for d in document.definitions if isinstance(d, graphql.OperationDefinitionNode)
        )
        if operation.operation == graphql.OperationType.MUTATION:
            return MUTATION_COST * len(operation.selection_set.selections)

        def cost(selection_set, parent) -> int:
            total = 0
            for node in selection_set.selections if selection_set else ():
                if not isinstance(node, graphql.FieldNode) or node.name.value.startswith("__"):
                    total += 1
                    continue
                definition = parent.fields[node.name.value]
                named = graphql.get_named_type(definition.type)
                if graphql.is_leaf_type(named):
                    continue
                inner_parent = named.types[0] if graphql.is_union_type(named) else named
                inner = cost(node.selection_set, inner_parent)
                if named.name.endswith("Connection"):
                    arguments = graphql.get_argument_values(definition, node, variables)
                    total += 2 + int(arguments.get("first") or 1) * inner
                else:
                    total += 1 + inner
            return total

        return cost(operation.selection_set, self.schema.query_type)

    # Resolvers -----------------------------------------------------------------------------

    def _bind_resolvers(self) -> None:
        mutation = self.schema.mutation_type.fields
        mutation["discountCodeBasicCreate"].resolve = self._create
        self.schema.query_type.fields["codeDiscountNodeByCode"].resolve = self._by_code
        for union in ("DiscountCode", "DiscountContext"):
            self.schema.get_type(union).resolve_type = lambda value, *_: value["__typename"]
        basic = self.schema.get_type("DiscountCodeBasic").fields
        basic["codes"].resolve = _codes

    def _by_code(self, _root, _info, code):
        discount = self.discounts.get(code.upper())
        return None if discount is None else _node(discount, self.clock_now())

    def clock_now(self) -> dt.datetime:
        """Wall time for discount statuses (the bucket uses ``clock``)."""
        return dt.datetime.now(dt.UTC)

    def _create(self, _root, _info, basicCodeDiscount):
        data = basicCodeDiscount
        errors = self._validate(data)
        if errors:
            return {"codeDiscountNode": None, "userErrors": errors}
        value = (data.get("customerGets") or {}).get("value") or {}
        context = data.get("context") or {}
        starts_at = _parse_time(data.get("startsAt")) or self.clock_now()
        discount = Discount(
            id=f"gid://shopify/DiscountCodeNode/{next(self._ids)}",
            code=data["code"],
            title=data["title"],
            percentage=float(value["percentage"]),
            customer_ids=list((context.get("customers") or {}).get("add") or []),
            starts_at=starts_at,
            ends_at=_parse_time(data.get("endsAt")),
            usage_limit=data.get("usageLimit"),
            applies_once_per_customer=bool(data.get("appliesOncePerCustomer")),
            items_all=bool(((data.get("customerGets") or {}).get("items") or {}).get("all")),
        )
        self.discounts[discount.code.upper()] = discount
        return {"codeDiscountNode": _node(discount, self.clock_now()), "userErrors": []}

    def _validate(self, data: dict) -> list[dict]:
        def error(code: str, path: list[str], message: str) -> dict:
            return {"code": code, "field": ["basicCodeDiscount", *path], "message": message}

        errors = []
        code = (data.get("code") or "").strip()
        if not (data.get("title") or "").strip():
            errors.append(error("BLANK", ["title"], "Title can't be blank"))
        if not code:
            errors.append(error("BLANK", ["code"], "Code can't be blank"))
        elif len(code) > _MAX_CODE_LENGTH:
            errors.append(error("TOO_LONG", ["code"], "Code is too long"))
        elif code.upper() in self.discounts:
            errors.append(error("TAKEN", ["code"], "Code must be unique."))
        value = (data.get("customerGets") or {}).get("value") or {}
        percentage = value.get("percentage")
        if percentage is None and value.get("discountAmount") is None:
            errors.append(error("BLANK", ["customerGets", "value"], "Value can't be blank"))
        elif percentage is not None and not 0.0 <= percentage <= 1.0:
            errors.append(
                error(
                    "VALUE_OUTSIDE_RANGE",
                    ["customerGets", "value", "percentage"],
                    "Percentage must be between 0.0 and 1.0",
                )
            )
        limit = data.get("usageLimit")
        if limit is not None and limit <= 0:
            errors.append(error("GREATER_THAN", ["usageLimit"], "Usage limit must be above 0"))
        starts, ends = _parse_time(data.get("startsAt")), _parse_time(data.get("endsAt"))
        if starts and ends and ends <= starts:
            errors.append(
                error("END_DATE_BEFORE_START_DATE", ["endsAt"], "End date must be after start")
            )
        added = ((data.get("context") or {}).get("customers") or {}).get("add") or []
        unknown = [
            gid
            for gid in added
            if not (m := _CUSTOMER_GID.fullmatch(gid)) or m.group(1) not in self.customer_ids
        ]
        if unknown:
            errors.append(
                error(
                    "INVALID",
                    ["context", "customers", "add"],
                    f"Customer does not exist: {', '.join(unknown)}",
                )
            )
        return errors

    # HTTP ----------------------------------------------------------------------------------

    def _parsed(self, query: str) -> tuple[graphql.DocumentNode, list[graphql.GraphQLError]]:
        """The document and its validation errors, computed once per query text (a client
        sends the same mutation for every member)."""
        if query not in self._documents:
            document = graphql.parse(query)
            self._documents[query] = (document, graphql.validate(self.schema, document))
        return self._documents[query]

    def handle(self, request: Request) -> Response:
        payload = json.loads(request.get_data())
        variables = payload.get("variables") or {}
        self.request_count += 1
        if self.keep_requests:
            self.requests.append(
                {
                    "query": payload["query"],
                    "variables": variables,
                    "headers": dict(request.headers),
                }
            )
        self._refill()
        if self.faults:
            fault = self.faults.popleft()
            if isinstance(fault, HttpFailure):
                return Response(fault.body, status=fault.status, content_type="text/html")
            self._available = min(self._available, fault.available)
            return self._throttled(MUTATION_COST)
        revoked = (
            self.revoke_after_mutations is not None
            and self._mutations >= self.revoke_after_mutations
        )
        if revoked or request.headers.get("X-Shopify-Access-Token") != self.token:
            return _json(UNAUTHORIZED_BODY, status=401)
        document, problems = self._parsed(payload["query"])
        if problems:
            return _json({"errors": [error.formatted for error in problems]})
        cost = self.query_cost(document, variables)
        if cost > self._available:
            return self._throttled(cost)
        is_mutation = any(
            isinstance(d, graphql.OperationDefinitionNode)
            and d.operation == graphql.OperationType.MUTATION
            for d in document.definitions
        )
        if is_mutation and "write_discounts" not in self.scopes:
            return _json(
                {
                    "errors": [
                        {
                            "message": "Access denied for discountCodeBasicCreate field. "
                            "Required access: `write_discounts` access scope.",
                            "extensions": {
                                "code": "ACCESS_DENIED",
                                "requiredAccess": "`write_discounts` access scope.",
                            },
                        }
                    ],
                    "data": {"discountCodeBasicCreate": None},
                    "extensions": self._cost_extensions(cost, 0),
                }
            )
        self._available -= cost
        if is_mutation:
            self._mutations += 1
        result = graphql.execute(self.schema, document, variable_values=variables)
        body: dict = {"data": result.data, "extensions": self._cost_extensions(cost, cost)}
        if result.errors:
            body["errors"] = [error.formatted for error in result.errors]
        return _json(body)


def _json(payload: dict, status: int = 200) -> Response:
    return Response(json.dumps(payload), status=status, content_type="application/json")


def _parse_time(value: str | None) -> dt.datetime | None:
    return None if not value else dt.datetime.fromisoformat(value).astimezone(dt.UTC)


def _node(discount: Discount, now: dt.datetime) -> dict:
    if discount.starts_at > now:
        status = "SCHEDULED"
    elif discount.ends_at is not None and discount.ends_at <= now:
        status = "EXPIRED"
    else:
        status = "ACTIVE"
    return {
        "id": discount.id,
        "codeDiscount": {
            "__typename": "DiscountCodeBasic",
            "title": discount.title,
            "status": status,
            "startsAt": discount.starts_at.isoformat(),
            "endsAt": None if discount.ends_at is None else discount.ends_at.isoformat(),
            "usageLimit": discount.usage_limit,
            "appliesOncePerCustomer": discount.applies_once_per_customer,
            "asyncUsageCount": 0,
            "context": {
                "__typename": "DiscountCustomers",
                "customers": [{"id": gid} for gid in discount.customer_ids],
            },
            "_code": discount.code,
        },
    }


def _codes(basic: dict, _info, first=None, after=None):
    node = {
        "id": "gid://shopify/DiscountRedeemCode/1",
        "code": basic["_code"],
        "asyncUsageCount": 0,
    }
    return {
        "nodes": [node][: first or 1],
        "pageInfo": {
            "hasNextPage": False,
            "hasPreviousPage": False,
            "startCursor": None,
            "endCursor": None,
        },
    }
