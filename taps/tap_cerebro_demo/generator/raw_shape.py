"""The simulation, shaped as the raw contract's streams (``cerebro_raw_contract``).

Ids are numeric strings, unique across tenants like Shopify's; money leaves
integer minor units only here; times leave the local clock only here, as naive
UTC timestamps.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .clock import Clock
from .customers import sms_marketing_states
from .identity import draw_people
from .lifecycle import Lifecycle
from .profiles import TenantProfile

# Offsets inside a tenant's id range, one per entity, as Shopify ids never collide.
ID_OFFSETS = {
    "customer": 10_000_000,
    "order": 100_000_000,
    "order_line": 200_000_000,
    "transaction": 400_000_000,
    "refund": 600_000_000,
    "fulfillment": 700_000_000,
    "checkout": 800_000_000,
}


# The last visit's touchpoint columns, as journeys.customer_journeys names them after `last_`.
LAST_VISIT_COLUMNS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term",
                      "referring_site", "landing_page")  # fmt: skip


class RawShaper:
    """Turns simulation frames into stream frames for one tenant."""

    def __init__(self, tenant_id: str, profile: TenantProfile, clock: Clock) -> None:
        self.tenant_id = tenant_id
        self.profile = profile
        self.clock = clock
        self.scale = 10**profile.currency_decimals

    def ids(self, entity: str, index: np.ndarray) -> np.ndarray:
        base = self.profile.id_base + ID_OFFSETS[entity] + 1
        return (base + np.asarray(index, dtype=np.int64)).astype(str)

    def money(self, minor: np.ndarray) -> np.ndarray:
        return np.asarray(minor, dtype=np.int64) / self.scale

    def utc(self, t) -> pd.Series:
        return self.clock.to_utc(np.asarray(t, dtype=float))

    def customers(
        self, rng: np.random.Generator, customers: pd.DataFrame, orders: pd.DataFrame
    ) -> pd.DataFrame:
        index = np.arange(len(customers))
        ids = self.ids("customer", index)
        people = draw_people(
            rng, index + self.profile.id_base, self.profile.email_domain, self.profile.phone_prefix
        )
        places = self.profile.places
        place = customers["place"].to_numpy()
        last_order_t = orders.groupby("customer")["created_t"].max()
        updated = customers["signup_t"].to_numpy().copy()
        updated[last_order_t.index.to_numpy()] = np.maximum(
            updated[last_order_t.index.to_numpy()], last_order_t.to_numpy()
        )
        self.customer_emails = np.array(people["email"], dtype=object)
        return pd.DataFrame(
            {
                "tenant_id": self.tenant_id,
                "customer_id": ids,
                **people,
                "state": customers["state"].to_numpy(),
                "verified_email": customers["verified_email"].to_numpy(),
                "email_marketing_state": customers["email_marketing_state"].to_numpy(),
                "sms_marketing_state": sms_marketing_states(
                    rng, people["phone"], customers["email_marketing_state"].to_numpy()
                ),
                "tags": customers["tags"].to_numpy(),
                "rut": customers["rut"].to_numpy(),
                **{
                    c: customers[c].to_numpy()
                    for c in (
                        "signup_utm_source",
                        "signup_utm_medium",
                        "signup_utm_campaign",
                        "signup_referring_site",
                    )
                },
                "default_address_city": [places[p].comuna for p in place],
                "default_address_province": [places[p].province for p in place],
                "default_address_province_code": [places[p].province_code for p in place],
                "default_address_country_code": self.profile.country_code,
                "created_at": self.utc(customers["signup_t"]),
                "updated_at": self.utc(updated),
            }
        )

    def orders(self, life: Lifecycle, journeys: pd.DataFrame) -> pd.DataFrame:
        o = life.orders
        j = journeys
        places = self.profile.places
        place = o["place"].to_numpy()
        total = o["total_minor"].to_numpy()
        subtotal = o["original_minor"].to_numpy() - o["discount_minor"].to_numpy()
        return pd.DataFrame(
            {
                "tenant_id": self.tenant_id,
                "order_id": self.ids("order", o["order_idx"]),
                "order_name": [f"#{1001 + i}" for i in o["order_idx"]],
                "customer_id": self.ids("customer", o["customer"]),
                "email": self.customer_emails[o["customer"].to_numpy()],
                "created_at": self.utc(o["created_t"]),
                "processed_at": self.utc(o["created_t"]),
                "cancelled_at": self.utc(o["cancelled_t"]),
                "cancel_reason": o["cancel_reason"].to_numpy(),
                "closed_at": self.utc(o["closed_t"]),
                "updated_at": self.utc(o["updated_t"]),
                "currency": self.profile.currency,
                "financial_status": o["financial_status"].to_numpy(),
                "fulfillment_status": o["fulfillment_status"].to_numpy(),
                "subtotal_amount": self.money(subtotal),
                "total_discounts_amount": self.money(o["discount_minor"]),
                "total_shipping_amount": self.money(o["shipping_minor"]),
                "total_tax_amount": self.money(o["tax_minor"]),
                "total_amount": self.money(total),
                "total_refunded_amount": self.money(o["refunded_minor"]),
                "taxes_included": True,
                "is_test": o["kind"].to_numpy() == "test",
                "source_name": np.where(o["order_idx"].to_numpy() % 5 == 0, "android", "web"),
                "landing_utm_source": o["touch_utm_source"].to_numpy(),
                "landing_utm_medium": o["touch_utm_medium"].to_numpy(),
                "landing_utm_campaign": o["touch_utm_campaign"].to_numpy(),
                "landing_utm_content": j["first_utm_content"].to_numpy(),
                "landing_utm_term": j["first_utm_term"].to_numpy(),
                "referring_site": o["touch_referring_site"].to_numpy(),
                "landing_page": o["touch_landing_page"].to_numpy(),
                "first_visit_at": self.utc(j["first_visit_t"].astype(float)),
                "first_visit_source": j["first_visit_source"].to_numpy(),
                **{
                    f"last_visit_{name}": j[f"last_{name}"].to_numpy()
                    for name in LAST_VISIT_COLUMNS
                },
                "last_visit_at": self.utc(j["last_visit_t"].astype(float)),
                "last_visit_source": j["last_visit_source"].to_numpy(),
                "journey_moments_count": j["moments_count"].astype("Int64").array,
                "journey_days_to_conversion": j["days_to_conversion"].astype("Int64").array,
                "is_journey_ready": j["is_ready"].astype("boolean").array,
                "shipping_city": [places[p].comuna for p in place],
                "shipping_province": [places[p].province for p in place],
                "shipping_province_code": [places[p].province_code for p in place],
                "shipping_country_code": self.profile.country_code,
                "rating": pd.array(np.where(o["rating"] > 0, o["rating"], None), dtype="Int64"),
                "tags": np.where(o["kind"].to_numpy() == "test", "test", ""),
            }
        )

    def _order_keys(self, life: Lifecycle, order_idx: np.ndarray) -> dict:
        updated = life.orders["updated_t"].to_numpy()[order_idx]
        return {
            "order_id": self.ids("order", order_idx),
            "order_updated_at": self.utc(updated),
        }

    def order_lines(self, life: Lifecycle, lines: pd.DataFrame) -> pd.DataFrame:
        services = self.profile.services
        svc = lines["service"].to_numpy()
        return pd.DataFrame(
            {
                "tenant_id": self.tenant_id,
                "order_line_id": self.ids("order_line", np.arange(len(lines))),
                **self._order_keys(life, lines["order_idx"].to_numpy()),
                "product_id": [services[s].product_id for s in svc],
                "product_title": [services[s].title for s in svc],
                "variant_id": [
                    f"{services[s].product_id}0{len(v)}"
                    for s, v in zip(svc, lines["variant_title"], strict=True)
                ],
                "variant_title": lines["variant_title"].to_numpy(),
                "sku": [
                    services[s].sku(v) for s, v in zip(svc, lines["variant_title"], strict=True)
                ],
                "quantity": lines["quantity"].to_numpy(),
                "unit_price_amount": self.money(lines["unit_minor"]),
                "original_total_amount": self.money(lines["original_minor"]),
                "discount_amount": self.money(lines["discount_minor"]),
            }
        )

    def transactions(self, life: Lifecycle) -> pd.DataFrame:
        tx = life.transactions
        at = self.utc(tx["t"])
        return pd.DataFrame(
            {
                "tenant_id": self.tenant_id,
                "transaction_id": self.ids("transaction", np.arange(len(tx))),
                **self._order_keys(life, tx["order_idx"].to_numpy()),
                "kind": tx["kind"].to_numpy(),
                "status": tx["status"].to_numpy(),
                "gateway": tx["gateway"].to_numpy(),
                "amount": self.money(tx["amount_minor"]),
                "currency": self.profile.currency,
                "error_code": np.where(tx["status"].to_numpy() == "FAILURE", "card_declined", None),
                "created_at": at,
                "processed_at": at,
            }
        )

    def refunds(self, life: Lifecycle) -> pd.DataFrame:
        rf = life.refunds
        return pd.DataFrame(
            {
                "tenant_id": self.tenant_id,
                "refund_id": self.ids("refund", np.arange(len(rf))),
                **self._order_keys(life, rf["order_idx"].to_numpy()),
                "created_at": self.utc(rf["t"]),
                "amount": self.money(rf["amount_minor"]),
                "currency": self.profile.currency,
                "note": np.where(
                    rf["is_cancellation"], "Pedido cancelado", "Reembolso parcial del servicio"
                ),
            }
        )

    def fulfillments(self, life: Lifecycle) -> pd.DataFrame:
        ff = life.fulfillments
        done = self.utc(ff["completed_t"])
        return pd.DataFrame(
            {
                "tenant_id": self.tenant_id,
                "fulfillment_id": self.ids("fulfillment", np.arange(len(ff))),
                **self._order_keys(life, ff["order_idx"].to_numpy()),
                "status": "SUCCESS",
                "created_at": done,
                "updated_at": done,
                "delivered_at": done,
            }
        )

    def checkouts(self, checkouts: pd.DataFrame) -> pd.DataFrame:
        order_idx = checkouts["order_idx"].to_numpy()
        has_order = ~np.isnan(order_idx)
        created = self.utc(checkouts["created_t"])
        completed = self.utc(checkouts["completed_t"])
        return pd.DataFrame(
            {
                "tenant_id": self.tenant_id,
                "checkout_id": self.ids("checkout", np.arange(len(checkouts))),
                "customer_id": self.ids("customer", checkouts["customer"]),
                "email": self.customer_emails[checkouts["customer"].to_numpy()],
                "order_id": np.where(
                    has_order, self.ids("order", np.nan_to_num(order_idx).astype(np.int64)), None
                ),
                "created_at": created,
                "updated_at": completed.fillna(created),
                "completed_at": completed,
                "items_count": checkouts["items_count"].to_numpy(),
                "total_amount": self.money(checkouts["total_minor"]),
                "currency": self.profile.currency,
            }
        )
