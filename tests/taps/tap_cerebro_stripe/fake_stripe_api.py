"""An in-process imitation of the Stripe API's lists, as its documentation describes them
(https://docs.stripe.com/api): charges, customers, refunds, subscriptions and an invoice's
lines.

- Keys: ``Authorization: Bearer <key>``; no key is 401 "You did not provide an API key."; an
  unknown one 401 ``invalid_request_error`` "Invalid API Key provided: sk_test_****<last 4>";
  a restricted key without the resource's read permission 403 naming the permission.
- Lists answer ``{"object": "list", "url", "has_more", "data"}``, newest first (creation time,
  then id); ``limit`` 1 to 100 (10 by default), ``starting_after`` an id of the list (another is
  400 ``resource_missing``), ``created[gte|gt|lte|lt]`` Unix seconds, ``expand[]`` only what the
  object allows (``data.invoice`` on charges, ``data.charge`` on refunds, ``data.tax_ids`` on
  customers; anything else 400 "This property cannot be expanded"); subscriptions exclude the
  canceled ones unless ``status=all``. An expanded invoice embeds its first 10 lines and says
  ``has_more``; ``/v1/invoices/<id>/lines`` lists them all.
- Amounts are integers in the currency's minor unit (CLP has none: 19990 is $19.990).

Faults queued by a test are served to the next requests (429 rate limits, 5xx, refused keys,
``Stripe-Should-Retry``); ``fail_after`` fails every orders request (charges with their invoices
expanded) after the n-th. Every request is logged.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from werkzeug import Request, Response

EXPANDABLE = {
    "charges": {"data.invoice", "data.customer"},
    "refunds": {"data.charge"},
    "customers": {"data.tax_ids"},
    "subscriptions": {"data.customer"},
    "lines": set(),
}
PERMISSION = {
    "charges": "rak_charge_read",
    "refunds": "rak_refund_read",
    "customers": "rak_customer_read",
    "subscriptions": "rak_subscription_read",
    "lines": "rak_invoice_read",
}
LIVE_SUBSCRIPTION_STATUSES = (
    "active",
    "past_due",
    "unpaid",
    "trialing",
    "incomplete",
    "incomplete_expired",
    "paused",
)


def epoch(instant: dt.datetime) -> int:
    return int(instant.timestamp())


@dataclass
class Account:
    customers: list[dict]
    charges: list[dict]
    invoices: dict[str, dict]
    refunds: list[dict]
    subscriptions: list[dict]


@dataclass
class Fault:
    status: int
    error: dict
    headers: dict[str, str] = field(default_factory=dict)


def rate_limited() -> Fault:
    return Fault(
        429,
        {
            "type": "invalid_request_error",
            "code": "rate_limit",
            "message": "Request rate limit exceeded. Learn more about rate limits "
            "here https://stripe.com/docs/rate-limits.",
        },
    )


def api_error(status: int = 500, should_retry: str | None = None) -> Fault:
    headers = {"Stripe-Should-Retry": should_retry} if should_retry else {}
    return Fault(status, {"type": "api_error", "message": "An unknown error occurred."}, headers)


def error_body(status: int, error: dict) -> Response:
    return Response(json.dumps({"error": error}), status=status, content_type="application/json")


class FakeStripeApi:
    """One account behind one key (a restricted key grants only ``permissions``)."""

    def __init__(self, account: Account, *, key: str, permissions: set[str] | None = None):
        self.account = account
        self.key = key
        self.permissions = set(PERMISSION.values()) if permissions is None else permissions
        self.faults: list[Fault] = []
        self.fail_after: tuple[int, Fault] | None = None
        self.requests: list[dict] = []
        self.base_url = ""

    def register(self, httpserver) -> None:
        self.base_url = httpserver.url_for("").rstrip("/")
        httpserver.expect_request(re.compile(r"^/v1/.*")).respond_with_handler(self.handle)

    def handle(self, request: Request) -> Response:
        args = parse_qsl(urlsplit(request.url).query, keep_blank_values=True)
        self.requests.append(
            {
                "path": request.path,
                "args": args,
                "authorization": request.headers.get("Authorization"),
                "version": request.headers.get("Stripe-Version"),
            }
        )
        if self.faults:
            fault = self.faults.pop(0)
            return Response(
                json.dumps({"error": fault.error}),
                status=fault.status,
                headers=fault.headers,
                content_type="application/json",
            )
        is_orders = request.path == "/v1/charges" and ("expand[]", "data.invoice") in args
        if self.fail_after and is_orders and len(self.orders_requests()) > self.fail_after[0]:
            fault = self.fail_after[1]
            return error_body(fault.status, fault.error)
        auth = request.headers.get("Authorization") or ""
        if not auth.startswith("Bearer "):
            return error_body(
                401, {"type": "invalid_request_error", "message": "You did not provide an API key."}
            )
        given = auth.removeprefix("Bearer ")
        if given != self.key:
            return error_body(
                401,
                {
                    "type": "invalid_request_error",
                    "message": f"Invalid API Key provided: {given[:8]}****{given[-4:]}",
                },
            )
        route, objects = self._route(request.path)
        if route is None:
            return error_body(
                404,
                {
                    "type": "invalid_request_error",
                    "message": f"Unrecognized request URL (GET: {request.path}).",
                },
            )
        if PERMISSION[route] not in self.permissions:
            return error_body(
                403,
                {
                    "type": "invalid_request_error",
                    "message": f"The provided key '{given[:8]}***{given[-4:]}' does not have "
                    "the required permissions for this endpoint on account 'acct_1Fake'. "
                    f"Having the '{PERMISSION[route]}' permission would allow this request to "
                    "continue.",
                },
            )
        try:
            return self._list(request.path, route, objects, args)
        except InvalidRequest as error:
            return error_body(
                400,
                {
                    "type": "invalid_request_error",
                    "message": str(error),
                    "param": error.param,
                    **error.extra,
                },
            )

    def _route(self, path: str) -> tuple[str | None, list[dict]]:
        lists = {
            "/v1/charges": ("charges", self.account.charges),
            "/v1/customers": ("customers", self.account.customers),
            "/v1/refunds": ("refunds", self.account.refunds),
            "/v1/subscriptions": ("subscriptions", self.account.subscriptions),
        }
        if path in lists:
            return lists[path]
        if match := re.fullmatch(r"/v1/invoices/(in_\w+)/lines", path):
            invoice = self.account.invoices.get(match.group(1))
            if invoice is not None:
                return "lines", invoice["lines"]["data"]
        return None, []

    def _list(self, path: str, route: str, objects: list[dict], args) -> Response:
        single = dict(args)
        limit = single.get("limit", "10")
        if not limit.isdigit() or not 1 <= int(limit) <= 100:
            raise InvalidRequest("limit", "This value must be less than or equal to 100.")
        expand = [v for k, v in args if k in ("expand[]", "expand")]
        for item in expand:
            if item not in EXPANDABLE[route]:
                raise InvalidRequest("expand", f"This property cannot be expanded ({item}).")
        chosen = list(objects)
        bounds = {
            "gte": lambda v, b: v >= b,
            "gt": lambda v, b: v > b,
            "lte": lambda v, b: v <= b,
            "lt": lambda v, b: v < b,
        }
        for name, compare in bounds.items():
            value = single.get(f"created[{name}]")
            if value is not None:
                if not value.isdigit():
                    raise InvalidRequest(f"created[{name}]", f"Invalid integer: {value}")
                chosen = [o for o in chosen if compare(o["created"], int(value))]
        if route == "subscriptions":
            status = single.get("status")
            chosen = [
                o
                for o in chosen
                if status == "all"
                or (o["status"] == status if status else o["status"] in LIVE_SUBSCRIPTION_STATUSES)
            ]
        if route != "lines":
            chosen.sort(key=lambda o: (o["created"], o["id"]), reverse=True)
        after = single.get("starting_after")
        if after is not None:
            ids = [o["id"] for o in chosen]
            if after not in ids:
                raise InvalidRequest(
                    "starting_after", f"No such object: '{after}'", code="resource_missing"
                )
            chosen = chosen[ids.index(after) + 1 :]
        page = [self._expanded(o, expand) for o in chosen[: int(limit)]]
        body = {"object": "list", "url": path, "has_more": len(chosen) > int(limit), "data": page}
        return Response(json.dumps(body), status=200, content_type="application/json")

    def _expanded(self, item: dict, expand: list[str]) -> dict:
        result = dict(item)
        if "data.invoice" in expand and result.get("invoice"):
            invoice = dict(self.account.invoices[result["invoice"]])
            lines = invoice["lines"]["data"]
            invoice["lines"] = {
                "object": "list",
                "data": lines[:10],
                "has_more": len(lines) > 10,
                "url": f"/v1/invoices/{invoice['id']}/lines",
            }
            result["invoice"] = invoice
        if "data.charge" in expand:
            charge = next(c for c in self.account.charges if c["id"] == result["charge"])
            result["charge"] = dict(charge)
        if "data.tax_ids" not in expand:
            result.pop("tax_ids", None)  # includable only: absent unless expanded
        return result

    def orders_requests(self) -> list[dict]:
        """Every request of the orders' read (charges with their invoices expanded)."""
        return [
            dict(r["args"])
            for r in self.requests
            if r["path"] == "/v1/charges" and ("expand[]", "data.invoice") in r["args"]
        ]


class InvalidRequest(Exception):
    def __init__(self, param: str, message: str, **extra) -> None:
        super().__init__(message)
        self.param, self.extra = param, extra


# An account to serve --------------------------------------------------------------------------

PLANS = [
    ("price_basico", "prod_limpieza", "Plan Básico mensual", 19990, "month", 1),
    ("price_full", "prod_limpieza", "Plan Full mensual", 34990, "month", 1),
    ("price_anual", "prod_limpieza", "Plan Anual", 299990, "year", 1),
]


def make_account(*, seed: int, customers: int, start: dt.datetime, end: dt.datetime) -> Account:
    """A Chilean subscription business billing in CLP: monthly and yearly plans, failed card
    attempts before a payment, one-off Payment Link charges (some by guests), partial and full
    refunds, canceled subscriptions, and an invoice of more than ten lines."""
    rng = random.Random(seed)
    span = (end - start).total_seconds()
    account = Account([], [], {}, [], [])
    counters = {"ch": 0, "in": 0, "il": 0, "re": 0}

    def new_id(prefix: str) -> str:
        counters[prefix] += 1
        return f"{prefix}_{seed:02d}{counters[prefix]:06d}"

    def charge(
        amount: int,
        created: int,
        customer: str | None,
        invoice: str | None,
        status: str = "succeeded",
        email: str | None = None,
    ) -> dict:
        item = {
            "id": new_id("ch"),
            "object": "charge",
            "amount": amount,
            "currency": "clp",
            "amount_captured": amount if status == "succeeded" else 0,
            "amount_refunded": 0,
            "captured": status == "succeeded",
            "created": created,
            "customer": customer,
            "description": None if invoice else "Limpieza express (Payment Link)",
            "failure_code": "card_declined" if status == "failed" else None,
            "invoice": invoice,
            "livemode": True,
            "paid": status == "succeeded",
            "receipt_email": email,
            "refunded": False,
            "status": status,
            "metadata": {},
            "billing_details": {
                "email": email,
                "name": "Pedro Invitado",
                "phone": None,
                "address": {"city": "Santiago", "state": "RM", "country": "CL"},
            },
        }
        account.charges.append(item)
        return item

    for k in range(customers):
        created = start + dt.timedelta(seconds=int(rng.random() * span * 0.7))
        customer_id = f"cus_{seed:02d}{k:05d}"
        tax_ids = (
            [{"id": f"txi_{k}", "type": "cl_tin", "value": f"{10000000 + k}-{k % 10}"}]
            if k % 3 == 0
            else []
        )
        account.customers.append(
            {
                "id": customer_id,
                "object": "customer",
                "created": epoch(created),
                "email": f"suscriptor{k}@correo.cl",
                "name": f"Ana María Soto{k}",
                "phone": f"+5699{1000000 + k}",
                "livemode": True,
                "address": {"city": "Providencia", "state": "RM", "country": "CL"},
                "metadata": {"utm_source": "google", "utm_medium": "cpc"} if k % 4 == 0 else {},
                "tax_ids": {"object": "list", "data": tax_ids, "has_more": False},
            }
        )
        price_id, product, label, unit, interval, count = rng.choice(PLANS)
        quantity = rng.choice([1, 1, 2])
        sub_start = created + dt.timedelta(hours=1)
        canceled = rng.random() < 0.3
        months = 12 if interval == "year" else 1
        period = dt.timedelta(days=30 * months)
        periods, moment = [], sub_start
        while moment < end:
            periods.append(moment)
            moment += period
        if canceled and len(periods) > 1:
            periods = periods[: rng.randint(1, len(periods) - 1)]
        ended = periods[-1] + period if canceled else None
        account.subscriptions.append(
            {
                "id": f"sub_{seed:02d}{k:05d}",
                "object": "subscription",
                "customer": customer_id,
                "status": "canceled" if canceled and ended < end else "active",
                "created": epoch(sub_start),
                "start_date": epoch(sub_start),
                "currency": "clp",
                "current_period_start": epoch(periods[-1]),
                "current_period_end": epoch(periods[-1] + period),
                "cancel_at": None,
                "cancel_at_period_end": False,
                "canceled_at": epoch(periods[-1] + dt.timedelta(days=3)) if canceled else None,
                "ended_at": epoch(ended) if canceled and ended < end else None,
                "trial_start": None,
                "trial_end": None,
                "items": {
                    "object": "list",
                    "has_more": False,
                    "data": [
                        {
                            "id": f"si_{k}",
                            "quantity": quantity,
                            "price": {
                                "id": price_id,
                                "product": product,
                                "unit_amount": unit,
                                "currency": "clp",
                                "nickname": label,
                                "recurring": {"interval": interval, "interval_count": count},
                            },
                        }
                    ],
                },
            }
        )
        for number, period_start in enumerate(periods):
            invoice_id = new_id("in")
            lines_count = 12 if (k == 1 and number == 0) else 1
            lines = [
                {
                    "id": new_id("il"),
                    "object": "line_item",
                    "amount": unit * quantity,
                    "currency": "clp",
                    "description": f"{quantity} x {label}",
                    "quantity": quantity,
                    "discount_amounts": [],
                    "price": {
                        "id": price_id,
                        "product": product,
                        "unit_amount": unit,
                        "nickname": label,
                    },
                }
                for _ in range(lines_count)
            ]
            discount = 2000 if number == 0 and k % 5 == 0 else 0
            if discount:
                lines[0]["discount_amounts"] = [{"amount": discount, "discount": "di_promo"}]
            subtotal = sum(line["amount"] for line in lines)
            created_at = epoch(period_start)
            failed_first = rng.random() < 0.15
            paid_at = created_at + (86400 if failed_first else 60)
            invoice = {
                "id": invoice_id,
                "object": "invoice",
                "customer": customer_id,
                "customer_email": f"suscriptor{k}@correo.cl",
                "created": created_at,
                "currency": "clp",
                "status": "paid",
                "number": f"F-{k:04d}-{number:03d}",
                "billing_reason": "subscription_create" if number == 0 else "subscription_cycle",
                "subtotal": subtotal,
                "total": subtotal - discount,
                "tax": None,
                "total_discount_amounts": [{"amount": discount, "discount": "di_promo"}]
                if discount
                else [],
                "livemode": True,
                "metadata": {},
                "customer_address": {"city": "Providencia", "state": "RM", "country": "CL"},
                "status_transitions": {
                    "finalized_at": created_at,
                    "paid_at": paid_at,
                    "voided_at": None,
                    "marked_uncollectible_at": None,
                },
                "lines": {"object": "list", "data": lines, "has_more": False},
            }
            account.invoices[invoice_id] = invoice
            if failed_first:
                charge(invoice["total"], created_at + 30, customer_id, invoice_id, "failed")
            paid = charge(invoice["total"], paid_at, customer_id, invoice_id)
            if rng.random() < 0.08:
                refund_amount = paid["amount"] if rng.random() < 0.5 else 5000
                paid["amount_refunded"] = refund_amount
                paid["refunded"] = refund_amount == paid["amount"]
                account.refunds.append(
                    {
                        "id": new_id("re"),
                        "object": "refund",
                        "amount": refund_amount,
                        "charge": paid["id"],
                        "created": paid_at + 3 * 86400,
                        "currency": "clp",
                        "reason": "requested_by_customer",
                        "status": "succeeded",
                    }
                )
    # One-off Payment Link charges: some by customers, some by guests, some declined.
    for k in range(customers // 2):
        created = epoch(start + dt.timedelta(seconds=int(rng.random() * span * 0.95)))
        customer = rng.choice(account.customers)["id"] if k % 3 == 0 else None
        status = "failed" if k % 7 == 3 else "succeeded"
        item = charge(
            rng.choice([9990, 14990]),
            created,
            customer,
            None,
            status,
            email=f"invitado{k % 5}@correo.cl",
        )
        if k % 6 == 1 and status == "succeeded":
            item["amount_refunded"] = item["amount"]
            account.refunds.append(
                {
                    "id": new_id("re"),
                    "object": "refund",
                    "amount": item["amount"],
                    "charge": item["id"],
                    "created": created + 7200,
                    "currency": "clp",
                    "reason": "duplicate",
                    "status": "succeeded",
                }
            )
    # A refund the bank did not let through.
    last = next(c for c in reversed(account.charges) if c["status"] == "succeeded")
    account.refunds.append(
        {
            "id": new_id("re"),
            "object": "refund",
            "amount": 1000,
            "charge": last["id"],
            "created": last["created"] + 60,
            "currency": "clp",
            "reason": None,
            "status": "failed",
        }
    )
    return account
