"""Customers simulated from known BG/NBD and Gamma-Gamma parameters, for recovery tests.

The purchase process is the demo generator's (`simulate_repeat_times`, itself tested against
the papers' closed forms in tests/taps/tap_cerebro_demo), so the oracle is the parameters.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from tap_cerebro_demo.generator.purchases import simulate_repeat_times

START = pd.Timestamp("2024-01-01")


def simulate_purchase_times(
    seed: int, n: int, *, r, alpha, a, b, horizon: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Births uniform on [0, horizon) and every repeat purchase: (birth, who, when), in days."""
    rng = np.random.default_rng(seed)
    birth = rng.uniform(0, horizon, n)
    rate = rng.gamma(r, 1 / alpha, n)
    dropout = rng.beta(a, b, n)
    who, when = simulate_repeat_times(rng, birth, rate, dropout, horizon)
    return birth, who, when


def continuous_histories(seed: int, n: int, *, r, alpha, a, b, horizon: float) -> pd.DataFrame:
    """(frequency, recency, T) in exact continuous time, as the model assumes."""
    birth, who, when = simulate_purchase_times(seed, n, r=r, alpha=alpha, a=a, b=b, horizon=horizon)
    frequency = np.bincount(who, minlength=n)
    last = birth.copy()
    np.maximum.at(last, who, when)
    return pd.DataFrame({"frequency": frequency, "recency": last - birth, "T": horizon - birth})


def daily_transactions(
    seed: int, n: int, *, r, alpha, a, b, p, q, v, horizon: float
) -> pd.DataFrame:
    """Transactions (customer_id, transaction_date, amount) on whole days from ``START``:
    what a store would record, several purchases of one day landing on the same date."""
    birth, who, when = simulate_purchase_times(seed, n, r=r, alpha=alpha, a=a, b=b, horizon=horizon)
    rng = np.random.default_rng(seed + 1)
    spend_rate = rng.gamma(q, 1 / v, n)
    customer = np.concatenate([np.arange(n), who])
    time = np.concatenate([birth, when])
    amount = rng.gamma(p, 1 / spend_rate[customer])
    return pd.DataFrame(
        {
            "customer_id": customer.astype(str),
            "transaction_date": START + pd.to_timedelta(np.floor(time), unit="D"),
            "amount": amount,
        }
    )


def last_day(horizon: float) -> pd.Timestamp:
    """The last whole day inside [0, horizon)."""
    return START + pd.Timedelta(days=int(np.ceil(horizon)) - 1)
