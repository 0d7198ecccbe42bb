"""An in-process imitation of Mercado Libre's API for one seller, as its documentation describes
it (https://developers.mercadolibre.cl/es_ar/): the token endpoint, the order search, shipments
and Product Ads.

- ``POST /oauth/token`` (form fields) with ``grant_type=refresh_token``: the app's id and secret
  and the seller's *current* refresh token give ``access_token`` (``expires_in`` 21600),
  ``user_id`` and a new ``refresh_token``; the one sent is spent, and sending it again (or any
  other) is 400 ``invalid_grant``.
- Every other call wants ``Authorization: Bearer``: no token, an unknown one or one older than
  six hours (by the fake's clock) is 401 ``invalid_token``; a token of this seller asking for
  another seller's orders is 403 ``forbidden``.
- ``/orders/search``: ``seller`` required; ``order.date_last_updated.from`` / ``.to`` inclusive,
  ISO with an offset; ``sort`` ``date_asc`` / ``date_desc`` by **creation** date; ``offset``
  and ``limit`` (at most 51: more is 400 ``bad_request``); answers ``{"query", "results",
  "paging": {"total", "offset", "limit"}, "sort"}``.
- ``/shipments/{id}`` the order's shipment; another id is 404 ``not_found``.
- ``/advertising/advertisers?product_id=PADS`` (``Api-Version: 1``) and
  ``/advertising/{site}/advertisers/{id}/product_ads/campaigns/search`` (``Api-Version: 2``):
  ``date_from`` / ``date_to`` at most 90 days apart and not before 90 days ago (400), ``limit``
  at most 50; with ``aggregation_type=DAILY`` a row per campaign and day with delivery.

Faults queued by a test are served to the next API requests (429, 5xx, 403), or to the next
campaign searches (``campaign_faults``); ``fail_after`` fails every order search after the
n-th. Every request is logged, tokens included, so a test can check what was (and was not)
sent.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

from werkzeug import Request, Response

CHILE = ZoneInfo("America/Santiago")
TOKEN_LIFETIME = dt.timedelta(hours=6)
MAX_ORDERS_LIMIT = 51
MAX_CAMPAIGNS_LIMIT = 50
MAX_REPORT_DAYS = 90


def ml_date(instant: dt.datetime) -> str:
    """As Mercado Libre writes a date: milliseconds and the site's (Chile's) offset."""
    return instant.astimezone(CHILE).isoformat(timespec="milliseconds")


def parse(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass
class Seller:
    seller_id: int
    orders: list[dict]
    shipments: dict[int, dict]
    advertisers: list[dict]
    campaign_days: list[dict]


@dataclass
class Fault:
    status: int
    body: dict


def too_many_requests() -> Fault:
    return Fault(429, {"message": "Too Many Requests", "error": "too_many_requests",
                       "status": 429, "cause": []})  # fmt: skip


def server_error(status: int = 500) -> Fault:
    return Fault(status, {"message": "Internal server error", "error": "internal_error",
                          "status": status, "cause": []})  # fmt: skip


def forbidden() -> Fault:
    return Fault(403, {"message": "The caller is not authorized to access this resource",
                       "error": "forbidden", "status": 403, "cause": []})  # fmt: skip


def error(status: int, code: str, message: str) -> Response:
    body = {"message": message, "error": code, "status": status, "cause": []}
    return Response(json.dumps(body), status=status, content_type="application/json")


def number(value: Decimal) -> int | float:
    """A JSON number as Mercado Libre writes one (pesos are integers)."""
    return int(value) if value == value.to_integral_value() else float(value)


def ok(body) -> Response:
    return Response(json.dumps(body, default=number), content_type="application/json")


class FakeMercadoLibreApi:
    """One seller behind one app; the refresh token rotates on every use."""

    def __init__(self, seller: Seller, *, client_id: str, client_secret: str,
                 refresh_token: str, now: Callable[[], dt.datetime]) -> None:  # fmt: skip
        self.seller = seller
        self.client_id, self.client_secret = client_id, client_secret
        self.refresh_token = refresh_token
        self.now = now
        self.access_tokens: dict[str, dt.datetime] = {}
        self.spent: list[str] = []
        self.faults: list[Fault] = []
        self.fail_after: tuple[int, Fault] | None = None
        #: Served to the next Product Ads campaign searches (after the advertisers' list).
        self.campaign_faults: list[Fault] = []
        #: After this many API requests every access token expires (six hours went by).
        self.expire_after: int | None = None
        self.requests: list[dict] = []
        self.base_url = ""

    def register(self, httpserver) -> None:
        self.base_url = httpserver.url_for("").rstrip("/")
        httpserver.expect_request("/oauth/token", method="POST").respond_with_handler(self.token)
        httpserver.expect_request(re.compile(r"^/(orders|shipments|advertising)/.*")
                                  ).respond_with_handler(self.handle)  # fmt: skip

    # OAuth ---------------------------------------------------------------------------------

    def token(self, request: Request) -> Response:
        form = request.form
        self.requests.append({"path": request.path, "form": dict(form)})
        if form.get("grant_type") != "refresh_token":
            return error(400, "unsupported_grant_type", "the grant_type is not supported")
        if (form.get("client_id"), form.get("client_secret")) != (self.client_id,
                                                                  self.client_secret):  # fmt: skip
            return error(400, "invalid_client", "invalid client_id or client_secret")
        if form.get("refresh_token") != self.refresh_token:
            return error(400, "invalid_grant", "Error validating grant. Your authorization "
                         "code or refresh token may be expired or it was already used")  # fmt: skip
        self.spent.append(self.refresh_token)
        number = len(self.spent)
        self.refresh_token = f"TG-rotated-{number}-{self.seller.seller_id}"
        access = f"APP_USR-access-{number}-{self.seller.seller_id}"
        self.access_tokens[access] = self.now() + TOKEN_LIFETIME
        return ok({"access_token": access, "token_type": "Bearer", "expires_in": 21600,
                   "scope": "offline_access read", "user_id": self.seller.seller_id,
                   "refresh_token": self.refresh_token})  # fmt: skip

    def token_for_test(self) -> str:
        """An access token issued outside the OAuth flow (to probe the API directly)."""
        access = f"APP_USR-probe-{len(self.access_tokens)}"
        self.access_tokens[access] = self.now() + TOKEN_LIFETIME
        return access

    def revoke(self) -> None:
        """The seller revoked the app: every token, refresh token included, is dead."""
        self.access_tokens.clear()
        self.refresh_token = "revoked"

    # API -----------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        args = dict(parse_qsl(urlsplit(request.url).query, keep_blank_values=True))
        auth = request.headers.get("Authorization") or ""
        self.requests.append({"path": request.path, "args": args, "authorization": auth,
                              "api_version": request.headers.get("Api-Version")})  # fmt: skip
        if self.expire_after is not None and len(self.api_requests()) > self.expire_after:
            self.expire_after = None
            self.access_tokens.clear()
        given = auth.removeprefix("Bearer ")
        expires = self.access_tokens.get(given)
        if not auth.startswith("Bearer ") or expires is None or self.now() >= expires:
            return error(401, "unauthorized", "invalid_token")
        if self.faults:
            fault = self.faults.pop(0)
            return Response(json.dumps(fault.body), status=fault.status,
                            content_type="application/json")  # fmt: skip
        if request.path == "/orders/search":
            if self.fail_after and len(self.order_searches()) > self.fail_after[0]:
                fault = self.fail_after[1]
                return Response(json.dumps(fault.body), status=fault.status,
                                content_type="application/json")  # fmt: skip
            return self.search_orders(args)
        if match := re.fullmatch(r"/shipments/(\d+)", request.path):
            shipment = self.seller.shipments.get(int(match.group(1)))
            if shipment is None:
                return error(404, "not_found", f"Shipment {match.group(1)} not found")
            return ok(shipment)
        if request.path == "/advertising/advertisers":
            if args.get("product_id") != "PADS" or request.headers.get("Api-Version") != "1":
                return error(400, "bad_request", "product_id and Api-Version: 1 are required")
            return ok({"advertisers": self.seller.advertisers})
        if match := re.fullmatch(
            r"/advertising/(\w+)/advertisers/(\d+)/product_ads/campaigns/search", request.path
        ):
            return self.campaign_metrics(match.group(1), int(match.group(2)), args, request)
        return error(404, "not_found", f"Resource {request.path} not found")

    def api_requests(self) -> list[dict]:
        return [r for r in self.requests if r["path"] != "/oauth/token"]

    def order_searches(self) -> list[dict]:
        return [r for r in self.requests if r["path"] == "/orders/search"]

    def search_orders(self, args: dict) -> Response:
        if args.get("seller") != str(self.seller.seller_id):
            return error(403, "forbidden", "Invalid caller.id")
        try:
            offset, limit = int(args.get("offset", 0)), int(args.get("limit", 51))
        except ValueError:
            return error(400, "bad_request", "offset and limit must be numbers")
        if not 0 < limit <= MAX_ORDERS_LIMIT or offset < 0:
            return error(400, "bad_request", f"Invalid limit: {limit}. Max allowed 51")
        chosen = self.seller.orders
        for bound, keep in (("from", lambda o, b: parse(o["date_last_updated"]) >= b),
                            ("to", lambda o, b: parse(o["date_last_updated"]) <= b)):  # fmt: skip
            value = args.get(f"order.date_last_updated.{bound}")
            if value:
                chosen = [o for o in chosen if keep(o, parse(value))]
        descending = args.get("sort", "date_asc") == "date_desc"
        chosen = sorted(chosen, key=lambda o: (parse(o["date_created"]), o["id"]),
                        reverse=descending)  # fmt: skip
        page = chosen[offset : offset + limit]
        return ok({"query": str(self.seller.seller_id), "results": page,
                   "paging": {"total": len(chosen), "offset": offset, "limit": limit},
                   "sort": {"id": "date_desc" if descending else "date_asc"}})  # fmt: skip

    def campaign_metrics(self, site: str, advertiser_id: int, args: dict, request) -> Response:
        if self.campaign_faults:
            fault = self.campaign_faults.pop(0)
            return Response(json.dumps(fault.body), status=fault.status,
                            content_type="application/json")  # fmt: skip
        if request.headers.get("Api-Version") != "2":
            return error(400, "bad_request", "Api-Version: 2 is required")
        known = {(a["site_id"], a["advertiser_id"]) for a in self.seller.advertisers}
        if (site, advertiser_id) not in known:
            return error(404, "not_found", "advertiser not found")
        try:
            since = dt.date.fromisoformat(args["date_from"])
            until = dt.date.fromisoformat(args["date_to"])
        except (KeyError, ValueError):
            return error(400, "bad_request", "date_from and date_to (YYYY-MM-DD) are required")
        today = self.now().astimezone(CHILE).date()
        if (
            until < since
            or (until - since).days >= MAX_REPORT_DAYS
            or (today - since).days >= MAX_REPORT_DAYS
        ):
            return error(400, "bad_request", "the date range must be within the last 90 days")
        offset, limit = int(args.get("offset", 0)), int(args.get("limit", 50))
        if not 0 < limit <= MAX_CAMPAIGNS_LIMIT:
            return error(400, "bad_request", f"Invalid limit: {limit}. Max allowed 50")
        if args.get("aggregation_type") != "DAILY":
            return error(400, "bad_request", "only DAILY aggregation is imitated")
        rows = [r for r in self.seller.campaign_days
                if r["advertiser_id"] == advertiser_id
                and since <= dt.date.fromisoformat(r["date"]) <= until]  # fmt: skip
        page = [{k: v for k, v in r.items() if k != "advertiser_id"}
                for r in rows[offset : offset + limit]]  # fmt: skip
        return ok({"paging": {"total": len(rows), "offset": offset, "limit": limit},
                   "results": page})  # fmt: skip


def make_seller(*, seed: int, buyers: int, start: dt.datetime, end: dt.datetime,
                ads_days: int = 40, ads_end: dt.datetime | None = None) -> Seller:  # fmt: skip
    """A Chilean seller (site MLC, pesos): orders of ``buyers`` buyers between ``start`` and
    ``end`` (paid, cancelled, some refunded, a few in another currency), their shipments, and
    one Product Ads advertiser with two campaigns over the ``ads_days`` days to ``ads_end``
    (``end`` by default)."""
    rng = random.Random(seed)
    seller_id = 98765432
    orders, shipments = [], {}
    span = (end - start).total_seconds()
    next_id = 2000009000000000
    for buyer_number in range(buyers):
        buyer = {"id": 300000 + buyer_number, "nickname": f"COMPRADOR{buyer_number}",
                 "first_name": f"Nombre{buyer_number}", "last_name": "Apellido"}  # fmt: skip
        for _ in range(rng.randint(1, 4)):
            next_id += rng.randint(1, 50)
            created = start + dt.timedelta(seconds=rng.uniform(0, span * 0.95))
            updated = min(created + dt.timedelta(hours=rng.uniform(0, 72)), end)
            status = rng.choices(["paid", "cancelled", "payment_required"], [85, 10, 5])[0]
            currency = "USD" if rng.random() < 0.03 else "CLP"
            quantity = rng.randint(1, 3)
            full = Decimal(rng.choice([9990, 14990, 19990, 24990, 39990]))
            unit = full if rng.random() < 0.7 else full - Decimal(2000)
            if currency == "USD":
                full, unit = Decimal("10.50"), Decimal("10.50")
            items_total = unit * quantity
            shipping_cost = Decimal(rng.choice([0, 2990, 3990]))
            payments = []
            if status in ("paid", "cancelled"):
                refunded = Decimal(0)
                if status == "cancelled":
                    refunded = items_total + shipping_cost
                elif rng.random() < 0.1:
                    refunded = unit
                payments.append({
                    "id": next_id * 10 + 1, "order_id": next_id,
                    "status": "refunded" if status == "cancelled" else "approved",
                    "status_detail": "accredited", "currency_id": currency,
                    "transaction_amount": items_total, "shipping_cost": shipping_cost,
                    "total_paid_amount": items_total + shipping_cost,
                    "transaction_amount_refunded": refunded,
                    "payment_type": rng.choice(["credit_card", "debit_card", "account_money"]),
                    "date_created": ml_date(created), "date_approved": ml_date(created),
                    "date_last_modified": ml_date(updated),
                })  # fmt: skip
            shipping_id = None
            if status == "paid" and rng.random() < 0.8:
                shipping_id = 40000000000 + next_id % 1000000
                delivered = rng.random() < 0.6
                shipments[shipping_id] = {
                    "id": shipping_id, "order_id": next_id,
                    "status": "delivered" if delivered else "shipped",
                    "date_created": ml_date(created), "last_updated": ml_date(updated),
                    "status_history": {"date_shipped": ml_date(updated),
                                       "date_delivered": ml_date(updated) if delivered else None},
                    "receiver_address": {"city": {"name": "Ñuñoa"},
                                         "state": {"name": "RM (Metropolitana)"},
                                         "country": {"id": "CL"}},
                }  # fmt: skip
            orders.append({
                "id": next_id, "status": status, "status_detail": None,
                "date_created": ml_date(created), "date_closed": ml_date(created),
                "date_last_updated": ml_date(updated), "currency_id": currency,
                "total_amount": items_total, "paid_amount": items_total + shipping_cost,
                "pack_id": None, "tags": ["paid"] if status == "paid" else [],
                "buyer": buyer, "seller": {"id": seller_id},
                "shipping": {"id": shipping_id},
                "order_items": [{
                    "item": {"id": f"MLC{600000000 + rng.randint(1, 5)}",
                             "title": "Polera algodón orgánico", "variation_id": None,
                             "seller_sku": f"SKU-{rng.randint(1, 5)}"},
                    "quantity": quantity, "unit_price": unit, "full_unit_price": full,
                    "currency_id": currency, "sale_fee": (unit * Decimal("0.13")).quantize(1),
                }],
                "payments": payments,
            })  # fmt: skip
    advertisers = [{"advertiser_id": 555001, "site_id": "MLC", "advertiser_name": "Tienda",
                    "account_name": "Tienda MLC"}]  # fmt: skip
    campaign_days = []
    last_day = (ads_end or end).astimezone(CHILE).date()
    for days_ago in range(ads_days):
        day = last_day - dt.timedelta(days=days_ago)
        for campaign_id, name in ((351001, "Ventas verano"), (351002, "Liquidación")):
            if rng.random() < 0.15:
                continue  # a day without delivery has no row
            clicks = rng.randint(5, 120)
            campaign_days.append({
                "advertiser_id": 555001, "id": campaign_id, "name": name, "status": "active",
                "date": day.isoformat(),
                "metrics": {"clicks": clicks, "prints": clicks * rng.randint(20, 60),
                            "cost": Decimal(clicks * rng.randint(80, 200)),
                            "units_quantity": rng.randint(0, 6),
                            "direct_amount": Decimal(rng.randint(0, 90000)),
                            "indirect_amount": Decimal(rng.randint(0, 30000)),
                            "total_amount": None},
            })  # fmt: skip
    for row in campaign_days:
        metrics = row["metrics"]
        metrics["total_amount"] = metrics["direct_amount"] + metrics["indirect_amount"]
    return Seller(seller_id, orders, shipments, advertisers, campaign_days)
