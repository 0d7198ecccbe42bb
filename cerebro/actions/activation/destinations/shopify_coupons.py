"""Shopify rescue coupons: one discount code per member, usable only by that customer, once.

For each member the rescue rule (``cerebro.actions.activation.rescue_offer``) picks the smallest
discount worth giving; ``discountCodeBasicCreate`` then creates a percentage code on the whole
order, limited to that customer (``context.customers.add`` with the customer's GID, the form
``customerSelection`` had before Shopify deprecated it), valid from now for ``expiry_days``,
with ``usageLimit: 1`` and ``appliesOncePerCustomer: true``. The code is the outcome's
``vendor_ref``, for the e-mail or WhatsApp message that carries it.
https://shopify.dev/docs/api/admin-graphql/latest/mutations/discountCodeBasicCreate

Decisions:

- A member for whom no discount pays is *refused* with "sin descuento rentable" (or the
  missing prediction), not skipped: the activation log then says why that customer got no
  code, and refused is final for a one-shot send.
- ``customer_id`` is Shopify's numeric customer id (the tap lands ``legacyResourceId``, the
  tail of ``gid://shopify/Customer/<id>``); a GID is accepted as well.
- Codes are derived from tenant, segment, customer and day (``VUELVE-`` + 10 base-32
  characters of a SHA-256), so a sync interrupted between Shopify's answer and the activation
  log, and run again the same day, meets its own code: Shopify answers ``TAKEN`` and the
  member is recorded as sent with that code instead of receiving a second one.
- Throttling: Shopify meters the GraphQL Admin API with a leaky bucket of cost points per app
  and store, and answers every request with ``extensions.cost.throttleStatus``. Before each
  mutation the client waits until the bucket last reported holds the mutation's cost; a
  THROTTLED answer (HTTP 200, ``errors[].extensions.code``) is waited out for
  (requested - available) / restoreRate seconds and tried again, as Shopify's rate-limit
  documentation describes. https://shopify.dev/docs/api/usage/limits
- ``userErrors`` refuse that member with Shopify's message and code; a refused token (401),
  a missing ``write_discounts`` scope (403 or ACCESS_DENIED), an unknown shop or API version
  (404) or a query Shopify rejects stop the sync with one line.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from cerebro.actions.activation.destination import (
    FAILED,
    REFUSED,
    SEND,
    SENT,
    Audience,
    DestinationError,
    Member,
    Outcome,
)
from cerebro.actions.activation.discount_experiment import ARM_ATTRIBUTE
from cerebro.actions.activation.http import VendorHttp, VendorResponse, VendorUnavailable
from cerebro.actions.activation.rescue_offer import (
    RescueAssumptions,
    coupon_detail,
    percent_text,
    rescue_offer,
)
from cerebro.tenants import DESTINATION_SETTINGS

MUTATION = """
mutation CerebroRescueCode($basicCodeDiscount: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $basicCodeDiscount) {
    codeDiscountNode { id }
    userErrors { field code message }
  }
}
"""
#: What Shopify charges for a mutation, until an answer says otherwise.
MUTATION_COST = 10.0
_CUSTOMER_ID = re.compile(r"(?:gid://shopify/Customer/)?(\d+)")
_CODE_PREFIX = re.compile(r"[A-Za-z0-9_-]{0,20}")


@dataclass
class _Bucket:
    """The leaky bucket as Shopify last reported it."""

    available: float | None = None
    restore_rate: float | None = None
    cost: float = MUTATION_COST

    def read(self, body: object) -> None:
        cost = ((body.get("extensions") or {}).get("cost") or {}) if isinstance(body, dict) else {}
        status = cost.get("throttleStatus") or {}
        if status.get("currentlyAvailable") is not None:
            self.available = float(status["currentlyAvailable"])
        if status.get("restoreRate"):
            self.restore_rate = float(status["restoreRate"])
        if cost.get("requestedQueryCost"):
            self.cost = float(cost["requestedQueryCost"])

    def wait(self) -> float:
        """Seconds until the bucket holds the next request's cost, and one point more: the
        figure Shopify reports is rounded."""
        if self.available is None or not self.restore_rate or self.available >= self.cost:
            return 0.0
        return (self.cost + 1.0 - self.available) / self.restore_rate


@dataclass
class ShopifyCoupons:
    """A store's rescue-coupon client (build it with ``from_config``)."""

    name: ClassVar[str] = "shopify_coupons"
    consent: ClassVar[str] = "email"
    one_shot: ClassVar[bool] = True
    #: The sync draws each member's discount over the ladder until the response is measured
    #: (discount_experiment.py, decision 0064).
    learns_discount: ClassVar[bool] = True

    http: VendorHttp
    shop: str
    api_version: str
    expiry_days: int = 14
    title_prefix: str = "Descuento de regreso"
    code_prefix: str = "VUELVE-"
    assumptions: RescueAssumptions = field(default_factory=RescueAssumptions)
    now: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))
    #: Consecutive THROTTLED answers for one member before it is recorded as failed.
    max_throttled_waits: int = 30
    #: Consecutive members failed for an unavailable Shopify before the sync stops.
    max_consecutive_failures: int = 3
    _bucket: _Bucket = field(default_factory=_Bucket, init=False, repr=False)

    @property
    def path(self) -> str:
        return f"/admin/api/{self.api_version}/graphql.json"

    def sync(
        self, audience: Audience, add: Sequence[Member], remove: Sequence[Member]
    ) -> Iterator[Outcome]:
        """One code per member of ``add``; ``remove`` is ignored (a code is not taken back)."""
        failures = 0
        for member in add:
            outcome = self._send(audience, member)
            yield outcome
            failures = failures + 1 if outcome.status == FAILED else 0
            if failures >= self.max_consecutive_failures:
                raise DestinationError(
                    f"Shopify ({self.shop}) failed for {failures} customers in a row "
                    f"(last: {outcome.detail}); the rest will be sent by the next sync"
                )

    def _send(self, audience: Audience, member: Member) -> Outcome:
        def outcome(status: str, detail: str, vendor_ref: str | None = None) -> Outcome:
            return Outcome(member.customer_id, SEND, status, detail, vendor_ref)

        match = _CUSTOMER_ID.fullmatch(member.customer_id.strip())
        if match is None:
            return outcome(REFUSED, "customer_id no es un id de cliente de Shopify")
        discount = member.attributes.get(ARM_ATTRIBUTE)
        if discount is None:  # not drawn by the discount experiment: the rule decides
            offer = rescue_offer(member.attributes, self.assumptions)
            if offer.discount is None:
                return outcome(REFUSED, offer.reason)
            discount = offer.discount
        starts = self.now().astimezone(dt.UTC).replace(microsecond=0)
        ends = starts + dt.timedelta(days=self.expiry_days)
        code = self.code_for(audience, match.group(1), starts.date())
        percent = percent_text(discount)
        variables = {
            "basicCodeDiscount": {
                "title": f"{self.title_prefix} {percent} · {code}",
                "code": code,
                "startsAt": _iso(starts),
                "endsAt": _iso(ends),
                "context": {"customers": {"add": [f"gid://shopify/Customer/{match.group(1)}"]}},
                "customerGets": {
                    "value": {"percentage": discount},
                    "items": {"all": True},
                },
                "usageLimit": 1,
                "appliesOncePerCustomer": True,
            }
        }
        sent_detail = coupon_detail(percent, ends.date())
        try:
            payload = self._create(variables)
        except VendorUnavailable as error:
            return outcome(FAILED, str(error))
        except _Throttled as error:
            return outcome(FAILED, str(error))
        if payload.get("codeDiscountNode"):
            return outcome(SENT, sent_detail, code)
        errors = payload.get("userErrors") or []
        if any(_is_our_code_taken(error) for error in errors):
            # Our own code for today: created by a sync interrupted before it was recorded.
            return outcome(SENT, f"{sent_detail} (código ya creado)", code)
        if not errors:
            return outcome(FAILED, "Shopify no devolvió el descuento ni un error")
        return outcome(REFUSED, _user_errors_text(errors))

    def code_for(self, audience: Audience, customer_id: str, day: dt.date) -> str:
        """The member's code for ``day``: stable within a day, unguessable across customers."""
        seed = f"{audience.tenant_id}|{audience.segment}|{customer_id}|{day.isoformat()}"
        digest = hashlib.sha256(seed.encode()).digest()
        return self.code_prefix + base64.b32encode(digest).decode()[:10]

    def _create(self, variables: dict) -> dict:
        """The mutation's payload, after waiting for the bucket and through THROTTLED answers."""
        for _ in range(self.max_throttled_waits + 1):
            wait = self._bucket.wait()
            if wait > 0:
                self.http.sleep(wait)
                self._bucket.available = self._bucket.cost
            response = self.http.request(
                "POST", self.path, json_body={"query": MUTATION, "variables": variables}
            )
            body = self._checked(response)
            self._bucket.read(body)
            errors = body.get("errors") or []
            codes = {(e.get("extensions") or {}).get("code") for e in errors}
            if "THROTTLED" in codes:
                # Not run and not charged: wait until the bucket holds the requested cost
                # (a second when the answer has no figures: every plan restores 50 points in
                # one).
                self.http.sleep(self._bucket.wait() or 1.0)
                self._bucket.available = self._bucket.cost
                continue
            if "ACCESS_DENIED" in codes:
                raise DestinationError(
                    f"Shopify denied discountCodeBasicCreate on {self.shop} (ACCESS_DENIED): "
                    "grant the app the write_discounts scope and reinstall it"
                )
            if "INTERNAL_SERVER_ERROR" in codes:
                raise VendorUnavailable(f"Shopify reported an internal error on {self.shop}")
            if errors:
                messages = "; ".join(str(e.get("message")) for e in errors)
                raise DestinationError(f"Shopify rejected the mutation on {self.shop}: {messages}")
            payload = (body.get("data") or {}).get("discountCodeBasicCreate")
            if not isinstance(payload, dict):
                raise DestinationError(f"Shopify answered without a payload on {self.shop}")
            return payload
        raise _Throttled(
            f"Shopify siguió limitando ({self.max_throttled_waits} esperas): otra app usa la cuota"
        )

    def _checked(self, response: VendorResponse) -> dict:
        status = response.status
        if status == 401:
            raise DestinationError(
                f"Shopify refused the access token for {self.shop} (HTTP 401): check the "
                "environment variable named under the destination's secrets.access_token"
            )
        if status == 403:
            raise DestinationError(
                f"Shopify forbids this access token on {self.shop} (HTTP 403): the app needs "
                "the write_discounts scope"
            )
        if status == 404:
            raise DestinationError(
                f"Shopify answered HTTP 404 for {self.shop}: check the shop and api_version "
                f"settings ({self.api_version})"
            )
        if not response.ok or not isinstance(response.body, dict):
            raise DestinationError(
                f"Shopify answered HTTP {status} for {self.shop}: {_excerpt(response.body)}"
            )
        if isinstance(response.body.get("errors"), str):  # non-GraphQL failures
            raise DestinationError(
                f"Shopify refused the request for {self.shop}: {response.body['errors']}"
            )
        return response.body


class _Throttled(RuntimeError):
    """Still THROTTLED after every wait allowed for one member."""


def _is_our_code_taken(error: Mapping[str, object]) -> bool:
    return error.get("code") == "TAKEN" and list(error.get("field") or [])[-1:] == ["code"]


def _user_errors_text(errors: Sequence[Mapping[str, object]]) -> str:
    return "; ".join(f"{e.get('message')} ({e.get('code')})" for e in errors)


def _iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _excerpt(body: object, limit: int = 200) -> str:
    text = " ".join(str(body).split())
    return text if len(text) <= limit else text[:limit] + "…"


def _shop_domain(shop: str) -> str:
    host = shop.strip().removeprefix("https://").removeprefix("http://").strip("/")
    return host if "." in host else f"{host}.myshopify.com"


def _retry_hint(response: VendorResponse) -> float | None:
    """A 429 that carries Shopify's bucket figures waits for the refill they imply."""
    bucket = _Bucket()
    bucket.read(response.body)
    wait = bucket.wait()
    return wait if wait > 0 else None


def from_config(
    settings: Mapping[str, object],
    secrets: Mapping[str, str],
    *,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], dt.datetime] | None = None,
) -> ShopifyCoupons:
    """The destination from a tenant's ``destinations.shopify_coupons`` block.

    Settings: ``shop`` (``casafacil`` or ``casafacil.myshopify.com``), ``api_version``
    (e.g. ``2026-10``), ``base_url`` (default ``https://{shop}.myshopify.com``),
    ``expiry_days`` (14), ``title_prefix``, ``code_prefix`` (``VUELVE-``) and ``rescue`` (the
    rule's assumptions, ``RescueAssumptions``). Secrets: ``access_token``.
    """
    where = "destinations.shopify_coupons"
    known = DESTINATION_SETTINGS["shopify_coupons"]
    unknown = sorted(set(settings) - known)
    if unknown:
        raise DestinationError(
            f"{where}.settings: unknown key(s) {unknown}; known: {sorted(known)}"
        )
    shop = str(settings.get("shop") or "").strip()
    if not shop:
        raise DestinationError(f"{where}.settings.shop is required (e.g. casafacil)")
    api_version = str(settings.get("api_version") or "").strip()
    if not re.fullmatch(r"\d{4}-\d{2}|unstable", api_version):
        raise DestinationError(
            f"{where}.settings.api_version: {api_version or 'missing'}; write a Shopify API "
            "version such as 2026-10"
        )
    expiry_days = settings.get("expiry_days", 14)
    if isinstance(expiry_days, bool) or not isinstance(expiry_days, int) or expiry_days < 1:
        raise DestinationError(
            f"{where}.settings.expiry_days: {expiry_days!r} is not a "
            "whole number of days (1 or more)"
        )
    code_prefix = str(settings.get("code_prefix", "VUELVE-"))
    if not _CODE_PREFIX.fullmatch(code_prefix):
        raise DestinationError(
            f"{where}.settings.code_prefix: {code_prefix!r} must be up to 20 "
            "letters, digits, - or _"
        )
    try:
        assumptions = RescueAssumptions.from_settings(settings.get("rescue"))  # type: ignore[arg-type]
    except (TypeError, ValueError) as error:
        raise DestinationError(f"{where}.settings.rescue: {error}") from None
    token = secrets.get("access_token")
    if not token:
        raise DestinationError(f"{where}.secrets.access_token is missing")
    domain = _shop_domain(shop)
    base_url = str(settings.get("base_url") or f"https://{domain}")
    http = VendorHttp(
        vendor="Shopify",
        base_url=base_url,
        headers={"X-Shopify-Access-Token": token, "Accept": "application/json"},
        sleep=sleep,
        retry_hint=_retry_hint,
    )
    return ShopifyCoupons(
        http=http,
        shop=domain,
        api_version=api_version,
        expiry_days=expiry_days,
        title_prefix=str(settings.get("title_prefix") or "Descuento de regreso"),
        code_prefix=code_prefix,
        assumptions=assumptions,
        **({"now": now} if now else {}),
    )
