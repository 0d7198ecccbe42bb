"""An order's life happens in order: placed, paid, then cancelled, served or refunded.

Oracle: causality as a store's payment log shows it. A paid order that is
cancelled is refunded when cancelled, so the cancellation and the refund cannot
precede the payment, even for gateways that settle hours later (bank transfers,
cash vouchers).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from tap_cerebro_demo.generator.lifecycle import simulate_lifecycle


@pytest.fixture(scope="module")
def life():
    rng = np.random.default_rng(0)
    n = 4000
    orders = pd.DataFrame(
        {
            "order_idx": np.arange(n),
            "kind": rng.choice(["valid", "cancelled", "unpaid", "test"], size=n),
            "created_t": np.sort(rng.uniform(0, 100, n)),
            "gateway": rng.choice(["webpay_plus", "bank_transfer", "pagoefectivo"], size=n),
            "total_minor": rng.integers(10_000, 90_000, n),
        }
    )
    return simulate_lifecycle(np.random.default_rng(1), orders, horizon=100.0)


def test_every_paid_order_is_paid_after_it_is_placed(life):
    o = life.orders
    paid = o["paid_t"].notna()
    assert paid.sum() > 1000
    assert (o.loc[paid, "paid_t"] >= o.loc[paid, "created_t"]).all()


def test_paid_orders_are_cancelled_after_their_payment(life):
    o = life.orders
    both = o["paid_t"].notna() & o["cancelled_t"].notna()
    assert both.sum() > 100
    early = o[both & (o["cancelled_t"] < o["paid_t"])]
    assert early.empty, f"{len(early)} cancelled before paid, gateways {set(early['gateway'])}"


def test_refunds_follow_the_payment_in_the_refunds_and_transactions(life):
    paid = life.orders.set_index("order_idx")["paid_t"]
    refunds = life.refunds
    assert len(refunds) > 100
    assert paid.reindex(refunds["order_idx"]).notna().all(), "a refund of an unpaid order"
    assert (refunds["t"].to_numpy() >= paid.reindex(refunds["order_idx"]).to_numpy()).all()
    tx = life.transactions
    sale = tx[(tx["kind"] == "SALE") & (tx["status"] == "SUCCESS")].set_index("order_idx")["t"]
    refund = tx[tx["kind"] == "REFUND"]
    assert (refund["t"].to_numpy() >= sale.reindex(refund["order_idx"]).to_numpy()).all()


def test_services_are_completed_after_payment_and_only_for_valid_orders(life):
    o = life.orders
    done = o["completed_t"].notna()
    assert (o.loc[done, "kind"] == "valid").all()
    assert (o.loc[done, "completed_t"] >= o.loc[done, "paid_t"]).all()
    assert o.loc[done, "cancelled_t"].isna().all()
