"""Members whose predictions give known discounts
(``tests/cerebro/actions/activation/test_rescue_offer.py`` works them out), the store's token and
the
audience, shared by the coupon tests."""

from __future__ import annotations

import datetime as dt

from cerebro.actions.activation.destination import Audience, Member

TOKEN = "shpat_test_rescue_0123456789"
START = dt.datetime(2026, 11, 2, 15, 30, tzinfo=dt.UTC)
AUDIENCE = Audience(
    "casafacil_cl", "Frecuentes alejados", "Cerebro · casafacil_cl · Frecuentes alejados"
)

#: p = 0.5, V = 120 000, S = 60 000: 10 %.
TEN_PERCENT = {
    "p_alive": 0.5,
    "predicted_clv_12m": 60_000,
    "expected_spend_per_purchase_amount": 60_000,
}
#: p = 0.2, V = 100 000, S = 50 000: 5 %.
FIVE_PERCENT = {
    "p_alive": 0.2,
    "predicted_clv_12m": 20_000,
    "expected_spend_per_purchase_amount": 50_000,
}
#: p = 0.9: no step pays.
LOYAL = {"p_alive": 0.9, "predicted_clv_12m": 90_000, "expected_spend_per_purchase_amount": 50_000}


def member(customer_id: str, attributes: dict, **contact) -> Member:
    return Member(customer_id, email=f"c{customer_id}@example.cl", attributes=attributes, **contact)
