"""What happens to an order after it is placed: payment, cancellation, service, rating, refund.

Every event time is a local day offset; events after the data's cut-off
(``horizon``) have not happened yet and are left out, exactly as a store
export taken at the cut-off would show them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

HOUR = 1 / 24
# Bank transfers and cash vouchers are paid hours later; cards within minutes.
SLOW_GATEWAYS = {"bank_transfer": (1.0, 12.0), "pagoefectivo": (0.5, 24.0)}
RATING_WEIGHTS = np.array([0.03, 0.04, 0.10, 0.30, 0.53])
PARTIAL_REFUND_RATE, FULL_REFUND_RATE = 0.03, 0.005
PARTIAL_REFUND_SHARE = (0.1, 0.5)  # a partial refund returns a uniform share of the total
#: The share of a valid order's total refunded in expectation (the value truth's revenue is
#: net of refunds, as fct_orders.net_amount).
EXPECTED_REFUND_SHARE = FULL_REFUND_RATE + PARTIAL_REFUND_RATE * sum(PARTIAL_REFUND_SHARE) / 2


@dataclass
class Lifecycle:
    orders: pd.DataFrame  # the input orders plus event times, statuses and rating
    transactions: pd.DataFrame
    refunds: pd.DataFrame
    fulfillments: pd.DataFrame


def _payment_delay(rng: np.random.Generator, gateway: np.ndarray) -> np.ndarray:
    delay = rng.uniform(20, 300, len(gateway)) / 86_400
    for name, (low, high) in SLOW_GATEWAYS.items():
        slow = gateway == name
        delay[slow] = rng.uniform(low, high, slow.sum()) * HOUR
    return delay


def _before(t: np.ndarray, horizon: float) -> np.ndarray:
    """Event times, NaN where the event has not happened by the cut-off."""
    return np.where(t < horizon, t, np.nan)


def simulate_lifecycle(rng: np.random.Generator, orders: pd.DataFrame, horizon: float) -> Lifecycle:
    n = len(orders)
    kind = orders["kind"].to_numpy()
    created = orders["created_t"].to_numpy()
    gateway = orders["gateway"].to_numpy().astype(str)
    total = orders["total_minor"].to_numpy()
    is_valid, is_cancelled_kind = kind == "valid", kind == "cancelled"

    # Unpaid orders wait for a transfer that never arrives; half of the
    # cancelled ones were paid and refunded, half declined at payment.
    pays = is_valid | (kind == "test") | (is_cancelled_kind & (rng.random(n) < 0.5))
    paid = _before(np.where(pays, created + _payment_delay(rng, gateway), np.nan), horizon)
    cancel_delay = np.where(np.isnan(paid), rng.uniform(0.5, 24, n), rng.uniform(1, 48, n)) * HOUR
    auto_cancel = (kind == "unpaid") & (rng.random(n) < 0.5)
    # A paid order is cancelled after its payment, which slow gateways settle hours later.
    cancel_from = np.where(np.isnan(paid), created, paid)
    cancelled = np.where(is_cancelled_kind, cancel_from + cancel_delay, np.nan)
    cancelled = _before(np.where(auto_cancel, created + 3.0, cancelled), horizon)

    service_hours = rng.lognormal(np.log(36.0), 0.6, n)
    completed = _before(np.where(is_valid, paid + service_hours * HOUR, np.nan), horizon)
    rated_at = _before(completed + rng.uniform(0.1, 3.0, n), horizon)
    has_rating = ~np.isnan(rated_at) & (rng.random(n) < 0.65)
    rating = np.where(has_rating, rng.choice(5, size=n, p=RATING_WEIGHTS) + 1, 0)

    refund_draw = rng.random(n)
    refund_share = np.where(
        refund_draw < FULL_REFUND_RATE,
        1.0,
        np.where(
            refund_draw < FULL_REFUND_RATE + PARTIAL_REFUND_RATE,
            rng.uniform(*PARTIAL_REFUND_SHARE, n),
            0.0,
        ),
    )
    refund_t = _before(
        np.where(refund_share > 0, completed + rng.uniform(1, 10, n), np.nan), horizon
    )
    refunded = np.where(~np.isnan(refund_t), np.round(total * refund_share), 0).astype(np.int64)
    # A paid order that is cancelled is refunded in full when cancelled.
    cancel_refund = ~np.isnan(cancelled) & ~np.isnan(paid)
    refund_t = np.where(cancel_refund, cancelled, refund_t)
    refunded = np.where(cancel_refund, total, refunded)

    closed = np.where(~np.isnan(cancelled), cancelled, completed)
    events = np.vstack(
        [created, paid, cancelled, completed, np.where(has_rating, rated_at, np.nan), refund_t]
    )
    out = orders.assign(
        paid_t=paid,
        cancelled_t=cancelled,
        completed_t=completed,
        closed_t=closed,
        updated_t=np.nanmax(events, axis=0),
        rating=rating,
        refunded_minor=refunded,
        financial_status=_financial_status(paid, cancelled, refunded, total),
        fulfillment_status=np.where(np.isnan(completed), "UNFULFILLED", "FULFILLED"),
        cancel_reason=np.where(
            np.isnan(cancelled),
            None,
            np.where(auto_cancel, "OTHER", np.where(np.isnan(paid), "DECLINED", "CUSTOMER")),
        ),
    )
    return Lifecycle(
        orders=out,
        transactions=_transactions(rng, out, refund_t),
        refunds=_refunds(out, refund_t),
        fulfillments=out.loc[~np.isnan(completed), ["order_idx", "completed_t", "updated_t"]],
    )


def _financial_status(paid, cancelled, refunded, total) -> np.ndarray:
    status = np.where(np.isnan(paid), "PENDING", "PAID").astype(object)
    status[np.isnan(paid) & ~np.isnan(cancelled)] = "VOIDED"
    status[(refunded > 0) & (refunded < total)] = "PARTIALLY_REFUNDED"
    status[(refunded > 0) & (refunded >= total)] = "REFUNDED"
    return status


def _transactions(
    rng: np.random.Generator, orders: pd.DataFrame, refund_t: np.ndarray
) -> pd.DataFrame:
    """Sale attempts (failed, pending, successful) and refunds, as Shopify lists them."""
    idx = orders["order_idx"].to_numpy()
    created, paid = orders["created_t"].to_numpy(), orders["paid_t"].to_numpy()
    total, refunded = orders["total_minor"].to_numpy(), orders["refunded_minor"].to_numpy()
    gateway = orders["gateway"].to_numpy()
    declined = orders["cancel_reason"].to_numpy() == "DECLINED"
    failed_first = (rng.random(len(idx)) < 0.05) | declined
    waiting = np.isnan(paid) & ~declined

    def frame(mask, kind, status, t, amount):
        return pd.DataFrame(
            {
                "order_idx": idx[mask],
                "kind": kind,
                "status": status,
                "gateway": gateway[mask],
                "t": t[mask],
                "amount_minor": amount[mask],
            }
        )

    return pd.concat(
        [
            frame(failed_first, "SALE", "FAILURE", created + 10 / 86_400, total),
            frame(waiting, "SALE", "PENDING", created + 30 / 86_400, total),
            frame(~np.isnan(paid), "SALE", "SUCCESS", paid, total),
            frame(~np.isnan(refund_t), "REFUND", "SUCCESS", refund_t, refunded),
        ],
        ignore_index=True,
    ).sort_values(["t", "order_idx"], kind="stable", ignore_index=True)


def _refunds(orders: pd.DataFrame, refund_t: np.ndarray) -> pd.DataFrame:
    has_refund = ~np.isnan(refund_t)
    return pd.DataFrame(
        {
            "order_idx": orders["order_idx"].to_numpy()[has_refund],
            "t": refund_t[has_refund],
            "amount_minor": orders["refunded_minor"].to_numpy()[has_refund],
            "is_cancellation": ~np.isnan(orders["cancelled_t"].to_numpy()[has_refund]),
        }
    )
