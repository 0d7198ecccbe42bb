"""The textbook customers the churn radar is graded on, against each model's closed forms.

Oracles: E[X(t)] of Fader, Hardie & Lee (2005) eq. 7 for BG/NBD (``bgnbd_math``), its MBG/NBD
form (Batislam et al. 2007, ``mbgnbd_math``), and for Pareto/NBD E[X(t)] = r beta /
(alpha (s - 1)) (1 - (beta / (beta + t))^(s - 1)) and P(alive at t) = (beta / (beta + t))^s
(Schmittlein, Morrison & Colombo 1987), each averaged over the customers' ages. Tolerances are
four standard errors of the simulated mean (seeded, so deterministic).
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.textbook_customers import (
    PUBLISHED,
    in_days,
    simulate_customers,
    simulate_purchases,
)
from ml_assets.clv import bgnbd_math, mbgnbd_math

N, DAYS, Z = 60_000, 540, 4.0


def pareto_expected_purchases(t, r, alpha, s, beta):
    return r * beta / (alpha * (s - 1)) * (1 - (beta / (beta + t)) ** (s - 1))


EXPECTED_PURCHASES = {
    "bgnbd": lambda t, p: bgnbd_math.expected_purchases(t, p["r"], p["alpha"], p["a"], p["b"]),
    "mbgnbd": lambda t, p: mbgnbd_math.expected_purchases(t, p["r"], p["alpha"], p["a"], p["b"]),
    "paretonbd": lambda t, p: pareto_expected_purchases(t, **p),
}


@pytest.mark.parametrize("process", sorted(PUBLISHED))
def test_repeat_purchases_follow_the_models_expectation(process):
    birth, who, _, _ = simulate_purchases(process, 11, N, DAYS)
    counts = np.bincount(who, minlength=N)
    expected = EXPECTED_PURCHASES[process](DAYS - birth, in_days(PUBLISHED[process])).mean()
    assert abs(counts.mean() - expected) < Z * counts.std() / np.sqrt(N), (counts.mean(), expected)


def test_pareto_customers_are_alive_as_their_lifetimes_say():
    params = in_days(PUBLISHED["paretonbd"])
    birth, _, _, alive = simulate_purchases("paretonbd", 12, N, DAYS)
    expected = ((params["beta"] / (params["beta"] + DAYS - birth)) ** params["s"]).mean()
    assert abs(alive.mean() - expected) < Z * alive.std() / np.sqrt(N)


def test_only_mbgnbd_and_paretonbd_customers_leave_without_buying_again():
    for process, can_leave in (("bgnbd", False), ("mbgnbd", True), ("paretonbd", True)):
        _, who, _, alive = simulate_purchases(process, 13, 20_000, DAYS)
        one_time = np.bincount(who, minlength=20_000) == 0
        assert (~alive[one_time]).any() == can_leave, process


def test_the_transactions_are_whole_days_up_to_the_last_day():
    simulated = simulate_customers("bgnbd", 14, 2_000, DAYS)
    dates = simulated.transactions["transaction_date"]
    assert dates.max() <= simulated.last_day and (dates == dates.dt.normalize()).all()
    assert set(simulated.transactions["customer_id"]) == set(simulated.alive.index)
    with pytest.raises(ValueError, match="unknown process 'gamma'"):
        simulate_purchases("gamma", 1, 10, DAYS)
