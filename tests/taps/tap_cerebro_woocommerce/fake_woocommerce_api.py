"""An in-process imitation of a WooCommerce store's REST API (wc/v3), as its documentation and
its server code describe it (https://woocommerce.github.io/woocommerce-rest-api-docs/,
woocommerce/includes/class-wc-rest-authentication.php, the CRUD controllers' collection
parameters).

- Routes: ``/wp-json/wc/v3/orders``, ``/orders/<id>/refunds`` and ``/customers``; any other path
  under ``/wp-json`` is 404 ``rest_no_route``.
- Keys: HTTP Basic credentials or the ``consumer_key`` / ``consumer_secret`` query parameters
  (those first), looked at only over HTTPS (``https``; over plain HTTP WooCommerce wants OAuth
  1.0a, so no user is recognised). No user: 401 ``woocommerce_rest_cannot_view``; a wrong
  secret: 401 ``woocommerce_rest_authentication_error`` "Consumer secret is invalid." with a
  ``WWW-Authenticate`` header; a key without read permission: 401 "The API key provided does not
  have read permissions.".
- Parameters are validated as WordPress does (``rest_validate_request_arg``): ``per_page`` 1 to
  100, ``page`` from 1, ``order`` and ``orderby`` in their lists, dates in ISO 8601, booleans,
  id lists; anything else is 400 ``rest_invalid_param`` naming the parameter.
- ``modified_after`` / ``modified_before`` (and ``after`` / ``before`` on creation) are exclusive
  and compare the site's local dates unless ``dates_are_gmt`` is true; ``orderby=modified``
  sorts by (modified, id); ``status`` defaults to every status but trash; ``exclude`` drops ids;
  ``_fields`` keeps only the named top-level fields. Pages set ``X-WP-Total`` and
  ``X-WP-TotalPages``; a page past the last is an empty list.
- Every date is rendered twice, in the site's time zone (``America/Santiago``) and as GMT, both
  without an offset; amounts are strings with two decimals, lines and totals without tax and the
  tax beside them (prices are entered with Chile's 19 % IVA included).

Faults queued by a test are served to the next requests (the throttling a host in front of
WooCommerce does, 5xx, bad keys); ``fail_after`` fails every page of whole orders (a request
without ``_fields``) after the n-th, a sync cut short; ``on_orders_request`` lets a test change
the store between two pages. Every request is logged.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import random
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

from werkzeug import Request, Response

SITE_TIMEZONE = ZoneInfo("America/Santiago")
IVA = Decimal("0.19")
CENT = Decimal("0.01")
API = "/wp-json/wc/v3"
STATUSES = ("pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed")
ORDER_ORDERBY = ("date", "id", "include", "title", "slug", "modified")
CUSTOMER_ORDERBY = ("id", "include", "name", "registered_date")
ROLES = ("all", "administrator", "editor", "author", "contributor", "subscriber", "customer",
         "shop_manager")  # fmt: skip
_WP_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}(:?\d{2})?)?$")


def net_and_tax(gross: Decimal) -> tuple[Decimal, Decimal]:
    """A price with IVA included, split as WooCommerce stores it: without tax, and the tax."""
    net = (gross / (1 + IVA)).quantize(CENT, ROUND_HALF_UP)
    return net, gross - net


def wc_amount(value: Decimal) -> str:
    return f"{value.quantize(CENT, ROUND_HALF_UP):.2f}"


def local(instant: dt.datetime | None) -> str | None:
    return (
        None if instant is None else instant.astimezone(SITE_TIMEZONE).strftime("%Y-%m-%dT%H:%M:%S")
    )


def gmt(instant: dt.datetime | None) -> str | None:
    return None if instant is None else instant.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")


@dataclass
class Line:
    id: int
    product_id: int
    variation_id: int
    name: str
    sku: str
    quantity: int
    unit_gross: Decimal  # price with IVA, per unit
    discount_gross: Decimal = Decimal(0)  # coupon discount on the line, with IVA
    attributes: tuple[tuple[str, str], ...] = ()


@dataclass
class Refund:
    id: int
    created: dt.datetime
    amount: Decimal
    reason: str


@dataclass
class Order:
    id: int
    status: str
    customer_id: int
    created: dt.datetime
    modified: dt.datetime
    billing: dict
    shipping: dict
    lines: list[Line]
    payment_method: str = "webpay"
    paid: dt.datetime | None = None
    completed: dt.datetime | None = None
    shipping_gross: Decimal = Decimal(0)
    currency: str = "CLP"
    created_via: str = "checkout"
    attribution: dict[str, str] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)
    refunds: list[Refund] = field(default_factory=list)

    # What the models must read from this order (the oracle, with tax, as the store shows it).
    @property
    def gross_total(self) -> Decimal:
        return sum((line.unit_gross * line.quantity - line.discount_gross
                    for line in self.lines), Decimal(0)) + self.shipping_gross  # fmt: skip

    @property
    def refunded(self) -> Decimal:
        return sum((refund.amount for refund in self.refunds), Decimal(0))

    def render(self) -> dict:
        line_items, cart_tax, discount, discount_tax, net_lines = [], Decimal(0), Decimal(0), \
            Decimal(0), Decimal(0)  # fmt: skip
        for line in self.lines:
            sub_net, sub_tax = net_and_tax(line.unit_gross * line.quantity)
            tot_net, tot_tax = net_and_tax(line.unit_gross * line.quantity - line.discount_gross)
            cart_tax += tot_tax
            discount += sub_net - tot_net
            discount_tax += sub_tax - tot_tax
            net_lines += tot_net
            line_items.append(
                {
                    "id": line.id, "name": line.name, "product_id": line.product_id,
                    "variation_id": line.variation_id, "quantity": line.quantity,
                    "tax_class": "", "subtotal": wc_amount(sub_net),
                    "subtotal_tax": wc_amount(sub_tax), "total": wc_amount(tot_net),
                    "total_tax": wc_amount(tot_tax),
                    "taxes": [{"id": 1, "total": wc_amount(tot_tax),
                               "subtotal": wc_amount(sub_tax)}],
                    "meta_data": [
                        {"id": 9000 + k, "key": key, "value": value, "display_key": key.title(),
                         "display_value": value}
                        for k, (key, value) in enumerate(line.attributes)
                    ],
                    "sku": line.sku,
                    "price": float(tot_net / line.quantity),
                }
            )  # fmt: skip
        ship_net, ship_tax = net_and_tax(self.shipping_gross)
        meta = {**{f"_wc_order_attribution_{k}": v for k, v in self.attribution.items()},
                **self.meta}  # fmt: skip
        return {
            "id": self.id, "parent_id": 0, "number": str(self.id),
            "order_key": f"wc_order_{self.id:08d}", "created_via": self.created_via,
            "version": "9.4.2", "status": self.status, "currency": self.currency,
            "date_created": local(self.created), "date_created_gmt": gmt(self.created),
            "date_modified": local(self.modified), "date_modified_gmt": gmt(self.modified),
            "discount_total": wc_amount(discount), "discount_tax": wc_amount(discount_tax),
            "shipping_total": wc_amount(ship_net), "shipping_tax": wc_amount(ship_tax),
            "cart_tax": wc_amount(cart_tax),
            "total": wc_amount(net_lines + cart_tax + self.shipping_gross),
            "total_tax": wc_amount(cart_tax + ship_tax), "prices_include_tax": True,
            "customer_id": self.customer_id, "customer_ip_address": "", "customer_user_agent": "",
            "customer_note": "", "billing": self.billing, "shipping": self.shipping,
            "payment_method": self.payment_method,
            "payment_method_title": self.payment_method.title(),
            "transaction_id": "", "date_paid": local(self.paid), "date_paid_gmt": gmt(self.paid),
            "date_completed": local(self.completed),
            "date_completed_gmt": gmt(self.completed), "cart_hash": "",
            "meta_data": [{"id": 100 + k, "key": key, "value": value}
                          for k, (key, value) in enumerate(meta.items())],
            "line_items": line_items, "tax_lines": [], "shipping_lines": [], "fee_lines": [],
            "coupon_lines": [],
            "refunds": [{"id": r.id, "reason": r.reason, "total": "-" + wc_amount(r.amount)}
                        for r in self.refunds],
            "_links": {"self": [{"href": f"https://tienda.cl{API}/orders/{self.id}"}]},
        }  # fmt: skip

    def render_refund(self, refund: Refund) -> dict:
        return {
            "id": refund.id, "date_created": local(refund.created),
            "date_created_gmt": gmt(refund.created), "amount": wc_amount(refund.amount),
            "reason": refund.reason, "refunded_by": 1, "refunded_payment": True,
            "meta_data": [], "line_items": [],
        }  # fmt: skip


@dataclass
class Customer:
    id: int
    email: str
    first_name: str
    last_name: str
    created: dt.datetime
    modified: dt.datetime | None
    billing: dict
    role: str = "customer"
    meta: dict[str, str] = field(default_factory=dict)

    def render(self) -> dict:
        return {
            "id": self.id, "date_created": local(self.created),
            "date_created_gmt": gmt(self.created), "date_modified": local(self.modified),
            "date_modified_gmt": gmt(self.modified), "email": self.email,
            "first_name": self.first_name, "last_name": self.last_name, "role": self.role,
            "username": self.email.split("@")[0], "billing": self.billing,
            "shipping": {k: v for k, v in self.billing.items() if k not in ("email", "phone")},
            "is_paying_customer": True, "avatar_url": "",
            "meta_data": [{"id": 500 + k, "key": key, "value": value}
                          for k, (key, value) in enumerate(self.meta.items())],
        }  # fmt: skip


@dataclass
class FakeStore:
    customers: list[Customer]
    orders: list[Order]

    def order(self, order_id: int) -> Order:
        return next(order for order in self.orders if order.id == order_id)


@dataclass
class Fault:
    status: int
    body: dict | str
    headers: dict[str, str] = field(default_factory=dict)


def throttled(retry_after: str | None = "7") -> Fault:
    """A host in front of WooCommerce limiting requests."""
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return Fault(429, "<html><body>429 Too Many Requests</body></html>", headers)


def server_error(status: int = 500) -> Fault:
    return Fault(status, {"code": "internal_server_error",
                          "message": "There has been a critical error on this website.",
                          "data": {"status": status}})  # fmt: skip


def wp_error(status: int, code: str, message: str, **data) -> Response:
    return Response(
        json.dumps({"code": code, "message": message, "data": {"status": status, **data}}),
        status=status,
        content_type="application/json; charset=UTF-8",
    )


def cannot_view() -> Response:
    """The collections' permission check when no user was recognised."""
    return wp_error(401, "woocommerce_rest_cannot_view", "Sorry, you cannot list resources.")


class InvalidParam(Exception):
    def __init__(self, param: str, reason: str) -> None:
        super().__init__(param)
        self.param, self.reason = param, reason


class FakeWooCommerceApi:
    """A store behind the wc/v3 API, with one REST API key."""

    def __init__(
        self,
        store: FakeStore,
        *,
        key: str,
        secret: str,
        permissions: str = "read",
        https: bool = True,
    ) -> None:
        self.store = store
        self.key, self.secret, self.permissions, self.https = key, secret, permissions, https
        self.faults: list[Fault] = []
        self.fail_after: tuple[int, Fault] | None = None
        self.on_orders_request = None  # called with the number of the orders request
        self.requests: list[dict] = []
        self.base_url = ""

    def register(self, httpserver) -> None:
        self.base_url = httpserver.url_for("").rstrip("/")
        httpserver.expect_request(re.compile(r"^/wp-json/.*")).respond_with_handler(self.handle)

    # Requests -------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        args = parse_qsl(urlsplit(request.url).query, keep_blank_values=True)
        self.requests.append({"path": request.path, "args": args,
                              "authorization": request.headers.get("Authorization")})  # fmt: skip
        if self.faults:
            return self._fault(self.faults.pop(0))
        route = request.path.removeprefix(API)
        if route == "/orders":
            served = sum(1 for r in self.requests if r["path"] == f"{API}/orders")
            whole = len(self.orders_requests())
            if self.fail_after and whole > self.fail_after[0]:
                return self._fault(self.fail_after[1])
            if self.on_orders_request is not None:
                self.on_orders_request(served)
        user, refused = self._authenticate(request, dict(args))
        if refused is not None:  # WordPress's authentication errors come before any route
            return refused
        try:
            if route == "/orders":
                return self._orders(args) if user else cannot_view()
            if match := re.fullmatch(r"/orders/(\d+)/refunds", route):
                return self._refunds(int(match.group(1)), args) if user else cannot_view()
            if route == "/customers":
                return self._customers(args) if user else cannot_view()
        except InvalidParam as error:
            return wp_error(
                400, "rest_invalid_param", f"Invalid parameter(s): {error.param}",
                params={error.param: error.reason},
            )  # fmt: skip
        return wp_error(404, "rest_no_route",
                        "No route was found matching the URL and request method.")  # fmt: skip

    def _fault(self, fault: Fault) -> Response:
        body = fault.body if isinstance(fault.body, str) else json.dumps(fault.body)
        kind = "text/html" if isinstance(fault.body, str) else "application/json"
        return Response(body, status=fault.status, headers=fault.headers, content_type=kind)

    def _authenticate(self, request: Request, args: dict) -> tuple[bool, Response | None]:
        """(a user was recognised, the authentication error to answer)."""
        key = secret = None
        if self.https:  # Basic authentication is only attempted over SSL
            if args.get("consumer_key") and args.get("consumer_secret"):
                key, secret = args["consumer_key"], args["consumer_secret"]
            elif (request.headers.get("Authorization") or "").startswith("Basic "):
                decoded = base64.b64decode(request.headers["Authorization"][6:]).decode()
                key, _, secret = decoded.partition(":")
        if key != self.key:  # no user: the endpoint's permission check will refuse
            return False, None
        if secret != self.secret:
            response = wp_error(401, "woocommerce_rest_authentication_error",
                                "Consumer secret is invalid.")  # fmt: skip
            response.headers["WWW-Authenticate"] = 'Basic realm="WooCommerce API."'
            return False, response
        if self.permissions not in ("read", "read_write"):
            return False, wp_error(
                401, "woocommerce_rest_authentication_error",
                "The API key provided does not have read permissions.",
            )  # fmt: skip
        return True, None

    # Collections ----------------------------------------------------------------------------

    def _orders(self, args: list[tuple[str, str]]) -> Response:
        params = collection_params(args, ORDER_ORDERBY, default_order="desc", default_by="date")
        statuses = list_param(args, "status") or ["any"]
        for status in statuses:
            if status not in ("any", "trash", *STATUSES):
                raise InvalidParam(
                    "status", f"status[0] is not one of any, trash, {', '.join(STATUSES)}."
                )
        orders = [o for o in self.store.orders if "any" in statuses or o.status in statuses]
        orders = [o for o in orders if in_dates(o.created, o.modified, params)]
        orders = [o for o in orders if o.id not in params["exclude"]]
        keys = {"modified": lambda o: (o.modified, o.id), "id": lambda o: (o.id,)}
        key = keys.get(params["orderby"], lambda o: (o.created, o.id))
        orders.sort(key=key, reverse=params["order"] == "desc")
        return self._page(orders, params, lambda order: order.render())

    def _refunds(self, order_id: int, args: list[tuple[str, str]]) -> Response:
        params = collection_params(args, ORDER_ORDERBY, default_order="desc", default_by="date")
        try:
            order = self.store.order(order_id)
        except StopIteration:
            return wp_error(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
        refunds = sorted(order.refunds, key=lambda r: (r.created, r.id),
                         reverse=params["order"] == "desc")  # fmt: skip
        return self._page(refunds, params, order.render_refund)

    def _customers(self, args: list[tuple[str, str]]) -> Response:
        params = collection_params(args, CUSTOMER_ORDERBY, default_order="asc", default_by="name")
        role = dict(args).get("role", "customer")
        if role not in ROLES:
            raise InvalidParam("role", f"role is not one of {', '.join(ROLES)}.")
        customers = [c for c in self.store.customers if role == "all" or c.role == role]
        customers = [c for c in customers if c.id not in params["exclude"]]
        key = {"id": lambda c: c.id, "registered_date": lambda c: (c.created, c.id)}.get(
            params["orderby"], lambda c: (c.first_name, c.id)
        )
        customers.sort(key=key, reverse=params["order"] == "desc")
        return self._page(customers, params, lambda customer: customer.render())

    def _page(self, items: list, params: dict, render) -> Response:
        per_page, page = params["per_page"], params["page"]
        start = (page - 1) * per_page + params["offset"]
        chosen = [render(item) for item in items[start : start + per_page]]
        if params["fields"]:
            chosen = [{k: v for k, v in item.items() if k in params["fields"]} for item in chosen]
        total_pages = -(-len(items) // per_page)
        return Response(
            json.dumps(chosen),
            status=200,
            headers={"X-WP-Total": str(len(items)), "X-WP-TotalPages": str(total_pages)},
            content_type="application/json; charset=UTF-8",
        )

    # Oracle helpers -------------------------------------------------------------------------

    def orders_requests(self) -> list[dict]:
        """The arguments of every page of whole orders (not the guests' light reads)."""
        return [
            dict(r["args"])
            for r in self.requests
            if r["path"] == f"{API}/orders" and "_fields" not in dict(r["args"])
        ]


def list_param(args: list[tuple[str, str]], name: str) -> list[str]:
    """``name=a,b`` or ``name[]=a&name[]=b`` (wp_parse_list)."""
    values = [v for k, v in args if k in (name, f"{name}[]")]
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def integer(args: dict, name: str, default: int, minimum: int, maximum: int | None = None) -> int:
    raw = args.get(name)
    if raw is None:
        return default
    if not re.fullmatch(r"-?\d+", raw):
        raise InvalidParam(name, f"{name} is not of type integer.")
    value = int(raw)
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f"between {minimum} (inclusive) and {maximum} (inclusive)" if maximum else \
            f"greater than or equal to {minimum}"  # fmt: skip
        raise InvalidParam(name, f"{name} must be {bounds}")
    return value


def collection_params(args: list[tuple[str, str]], orderby: tuple[str, ...], *, default_order: str,
                      default_by: str) -> dict:  # fmt: skip
    """The CRUD controllers' collection parameters, validated as WordPress validates them."""
    single = dict(args)
    order = single.get("order", default_order)
    if order not in ("asc", "desc"):
        raise InvalidParam("order", "order is not one of asc and desc.")
    by = single.get("orderby", default_by)
    if by not in orderby:
        raise InvalidParam("orderby", f"orderby is not one of {', '.join(orderby)}.")
    dates = {}
    for name in ("after", "before", "modified_after", "modified_before"):
        if name in single:
            if not _WP_DATE.match(single[name]):
                raise InvalidParam(name, "Invalid date.")
            dates[name] = dt.datetime.fromisoformat(single[name].replace("Z", "+00:00"))
    gmt_dates = single.get("dates_are_gmt", "false").lower()
    if gmt_dates not in ("true", "false", "1", "0"):
        raise InvalidParam("dates_are_gmt", "dates_are_gmt is not of type boolean.")
    exclude = []
    for value in list_param(args, "exclude"):
        if not value.isdigit():
            raise InvalidParam("exclude", "exclude[0] is not of type integer.")
        exclude.append(int(value))
    fields = list_param(args, "_fields")
    return {
        "per_page": integer(single, "per_page", 10, 1, 100),
        "page": integer(single, "page", 1, 1),
        "offset": integer(single, "offset", 0, 0),
        "order": order,
        "orderby": by,
        "dates": dates,
        "dates_are_gmt": gmt_dates in ("true", "1"),
        "exclude": set(exclude),
        "fields": {f.split(".")[0] for f in fields},
    }


def in_dates(created: dt.datetime, modified: dt.datetime, params: dict) -> bool:
    """WordPress's date_query: exclusive bounds, on GMT columns only with ``dates_are_gmt``
    (otherwise on the site's local wall-clock dates, as the query's date is read)."""

    def as_compared(instant: dt.datetime) -> dt.datetime:
        zone = dt.UTC if params["dates_are_gmt"] else SITE_TIMEZONE
        return instant.astimezone(zone).replace(tzinfo=None)

    def bound(value: dt.datetime) -> dt.datetime:
        return value.replace(tzinfo=None)

    dates = params["dates"]
    checks = [
        ("after", created, lambda v, b: v > b), ("before", created, lambda v, b: v < b),
        ("modified_after", modified, lambda v, b: v > b),
        ("modified_before", modified, lambda v, b: v < b),
    ]  # fmt: skip
    return all(
        compare(as_compared(instant), bound(dates[name]))
        for name, instant, compare in checks
        if name in dates
    )


# A store to serve ----------------------------------------------------------------------------

PRODUCTS = [
    (101, 0, "Limpieza profunda &ndash; Departamento", "LIMP-DEP", Decimal(39990)),
    (102, 0, "Gasfitería a domicilio", "GASF-01", Decimal(24990)),
    (103, 1031, "Polera orgánica", "POL-ORG-M", Decimal(14990)),
    (104, 0, "Kit de aseo", "KIT-ASEO", Decimal(8990)),
    (105, 1051, "Electricista &amp; revisión", "ELEC-REV", Decimal(29990)),
]
COMUNAS = [("Providencia", "CL-RM"), ("Ñuñoa", "CL-RM"), ("Viña del Mar", "CL-VS"),
           ("Concepción", "CL-BI"), ("Las Condes", "CL-RM")]  # fmt: skip
GATEWAYS = ["webpay", "transbank_webpay_plus_rest", "bacs", "woo-mercado-pago-basic", "flow"]
ATTRIBUTIONS = [
    {"source_type": "utm", "utm_source": "facebook", "utm_medium": "paid_social",
     "utm_campaign": "cyber_2026", "session_entry": "https://tienda.cl/cyber", "session_count": "2",
     "referrer": "https://l.facebook.com/"},
    {"source_type": "organic", "utm_source": "google", "utm_medium": "organic",
     "referrer": "https://www.google.com/", "session_entry": "https://tienda.cl/",
     "session_count": "1"},
    {"source_type": "referral", "utm_source": "blog.cl", "utm_medium": "referral",
     "referrer": "https://blog.cl/mejores-servicios", "session_entry": "https://tienda.cl/",
     "session_count": "3"},
    {"source_type": "typein", "utm_source": "(direct)", "utm_medium": "(none)",
     "session_count": "1"},
    {},
]  # fmt: skip


def make_store(*, seed: int, customers: int, orders: int, start: dt.datetime,
               end: dt.datetime) -> FakeStore:  # fmt: skip
    """A Chilean store: registered customers and guests, every order status, coupons,
    partial and full refunds, attribution on most orders, RUTs in meta."""
    rng = random.Random(seed)
    span = (end - start).total_seconds()

    def instant_between(low: dt.datetime, high: dt.datetime) -> dt.datetime:
        return low + dt.timedelta(seconds=int(rng.random() * max(1, (high - low).total_seconds())))

    def address(name: str, email: str | None) -> dict:
        comuna, region = rng.choice(COMUNAS)
        billing = {"first_name": name.split()[0], "last_name": name.split()[1], "company": "",
                   "address_1": "Av. Siempre Viva 123", "address_2": "", "city": comuna,
                   "state": region, "postcode": "", "country": "CL"}  # fmt: skip
        if email is not None:
            billing |= {"email": email, "phone": f"+5699{rng.randrange(1000000, 9999999)}"}
        return billing

    registered = []
    for k in range(customers):
        created = start + dt.timedelta(seconds=int(rng.random() * span * 0.8))
        email = f"cliente{k}@correo.cl"
        registered.append(
            Customer(
                id=2 + k, email=email, first_name="Ana", last_name=f"Pérez{k}", created=created,
                modified=None if k % 5 == 0 else instant_between(created, end),
                billing=address(f"Ana Pérez{k}", email),
                role="customer" if k % 17 else "subscriber",
                meta={"billing_rut": f"{10000000 + k}-{k % 10}"} if k % 3 == 0 else {},
            )
        )  # fmt: skip
    store_orders, refund_id, line_id = [], 90000, 50000
    for k in range(orders):
        order_id = 1000 + k
        created = start + dt.timedelta(seconds=int(span * k / max(orders, 1)))
        status = rng.choices(STATUSES, weights=(5, 20, 5, 50, 7, 8, 5))[0]
        guest = rng.random() < 0.4 or not registered
        customer = None if guest else rng.choice(registered)
        email = f"invitado{k % 37}@correo.cl" if guest else customer.email
        lines = []
        for _ in range(rng.randint(1, 3)):
            product_id, variation_id, name, sku, price = rng.choice(PRODUCTS)
            line_id += 1
            quantity = rng.randint(1, 3)
            discount = Decimal(rng.choice([0, 0, 0, 1000, 2500]))
            attributes = (("pa_talla", "M"), ("pa_color", "Azul")) if variation_id else ()
            lines.append(Line(line_id, product_id, variation_id, name, sku, quantity, price,
                              discount, attributes))  # fmt: skip
        paid = completed = None
        if status in ("processing", "completed", "refunded") or (status == "cancelled" and k % 2):
            paid = created + dt.timedelta(minutes=rng.randint(1, 90))
        if status == "completed":
            completed = paid + dt.timedelta(hours=rng.randint(2, 72))
        order = Order(
            id=order_id, status=status, customer_id=0 if guest else customer.id, created=created,
            modified=created, billing=address("Juan Soto", email),
            shipping=address("Juan Soto", None) if k % 4 else {}, lines=lines,
            payment_method=rng.choice(GATEWAYS), paid=paid, completed=completed,
            shipping_gross=Decimal(rng.choice([0, 3990])),
            created_via=rng.choice(["checkout", "checkout", "store-api", "admin"]),
            attribution=dict(rng.choice(ATTRIBUTIONS)),
            meta={"_billing_rut": f"{20000000 + k}-K"} if guest and k % 2 else {},
        )  # fmt: skip
        if status == "refunded" or (status == "completed" and rng.random() < 0.15):
            refund_id += 1
            amount = order.gross_total if status == "refunded" else Decimal(5000)
            refunded_at = instant_between(paid, paid + dt.timedelta(days=5))
            order.refunds.append(Refund(refund_id, refunded_at, amount, "Cliente desistió"))
        last = max([created, paid or created, completed or created,
                    *(r.created for r in order.refunds)])  # fmt: skip
        order.modified = min(
            end - dt.timedelta(seconds=1), last + dt.timedelta(minutes=rng.randint(0, 30))
        )
        store_orders.append(order)
    # Several orders saved in the same second, as a bulk action in the admin does.
    bulk = store_orders[len(store_orders) // 3 : len(store_orders) // 3 + 7]
    for order in bulk:
        order.modified = max(o.modified for o in bulk)
    return FakeStore(registered, store_orders)
