"""The purchase simulator against the published closed forms of BG/NBD and Gamma-Gamma.

Oracles: Fader, Hardie & Lee (2005), "Counting your customers the easy way",
eq. 7 (E[X(t)]) and eq. 8 (P(X(t) = x)); Fader & Hardie (2013), "The Gamma-Gamma
model of monetary value", where the population mean spend per transaction is
p * v / (q - 1). Every tolerance is four standard errors of the simulated
statistic (the simulations are seeded, so the tests are deterministic).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy.special import betaln, gammaln, hyp2f1
from tap_cerebro_demo.generator.profiles import PROFILES
from tap_cerebro_demo.generator.purchases import simulate_purchases, simulate_repeat_times

N_CUSTOMERS = 80_000
Z = 4.0  # standard errors allowed

CHANNELS = {c.group: c for c in PROFILES["cl_services"].channels}
# The profile's own truths. Eq. 7 is written with 1 / (a - 1) but holds for any
# a != 1 (test_oracle_formulas_are_consistent_with_each_other checks it against
# eq. 8); Meta's a = 1 is the removable 0/0 point and is left out.
PARAMETER_SETS = {
    group: {k: getattr(CHANNELS[group], k) for k in ("r", "alpha", "a", "b")}
    for group in ("TikTok Ads", "Google Ads", "Referido")
}


def bgnbd_expected_repeats(t, r, alpha, a, b):
    """E[X(t)], Fader, Hardie & Lee (2005), eq. 7."""
    t = np.asarray(t, dtype=float)
    return (
        (a + b - 1)
        / (a - 1)
        * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)))
    )


def bgnbd_probability(x, t, r, alpha, a, b):
    """P(X(t) = x), Fader, Hardie & Lee (2005), eq. 8, in log space."""
    log_nbd = (
        gammaln(r + x) - gammaln(r) - gammaln(x + 1)
        + r * np.log(alpha / (alpha + t)) + x * np.log(t / (alpha + t))
    )  # fmt: skip
    first = np.exp(betaln(a, b + x) - betaln(a, b) + log_nbd)
    if x == 0:
        return first
    j = np.arange(x)
    partial = np.exp(
        gammaln(r + j) - gammaln(r) - gammaln(j + 1)
        + r * np.log(alpha / (alpha + t)) + j * np.log(t / (alpha + t))
    ).sum()  # fmt: skip
    return first + np.exp(betaln(a + 1, b + x - 1) - betaln(a, b)) * (1 - partial)


def simulate_counts(seed, n, birth, horizon, r, alpha, a, b):
    rng = np.random.default_rng(seed)
    rate = rng.gamma(r, 1 / alpha, n)
    dropout = rng.beta(a, b, n)
    who, when = simulate_repeat_times(rng, birth, rate, dropout, horizon)
    assert (when < horizon).all() and (when > birth[who]).all()
    return np.bincount(who, minlength=n)


@pytest.mark.parametrize("name", sorted(PARAMETER_SETS))
def test_oracle_formulas_are_consistent_with_each_other(name):
    # Guards the oracle itself: eq. 8 sums to one and its mean is eq. 7.
    params, t = PARAMETER_SETS[name], 365.0
    x = np.arange(3000)
    pmf = np.array([bgnbd_probability(k, t, **params) for k in x])
    assert pmf.sum() == pytest.approx(1.0, abs=1e-4)
    assert (pmf * x).sum() == pytest.approx(bgnbd_expected_repeats(t, **params), rel=1e-3)


@pytest.mark.parametrize("name", sorted(PARAMETER_SETS))
def test_mean_repeat_purchases_match_bgnbd_eq7(name):
    params, t = PARAMETER_SETS[name], 365.0
    counts = simulate_counts(1, N_CUSTOMERS, np.zeros(N_CUSTOMERS), t, **params)
    expected = bgnbd_expected_repeats(t, **params)
    se = counts.std(ddof=1) / np.sqrt(N_CUSTOMERS)
    assert abs(counts.mean() - expected) < Z * se, (counts.mean(), expected, se)


@pytest.mark.parametrize("name", sorted(PARAMETER_SETS))
def test_repeat_count_distribution_matches_bgnbd_eq8(name):
    params, t = PARAMETER_SETS[name], 180.0
    counts = simulate_counts(2, N_CUSTOMERS, np.zeros(N_CUSTOMERS), t, **params)
    for x in range(4):
        expected = bgnbd_probability(x, t, **params)
        se = np.sqrt(expected * (1 - expected) / N_CUSTOMERS)
        observed = (counts == x).mean()
        assert abs(observed - expected) < Z * se, (x, observed, expected, se)
    # x = 0 has the simplest closed form: nobody drops out before a repeat purchase.
    assert bgnbd_probability(0, t, **params) == pytest.approx(
        (params["alpha"] / (params["alpha"] + t)) ** params["r"]
    )


def test_staggered_births_count_only_time_after_birth():
    params, horizon = PARAMETER_SETS["Referido"], 365.0
    birth = np.random.default_rng(3).uniform(0, horizon, N_CUSTOMERS)
    counts = simulate_counts(4, N_CUSTOMERS, birth, horizon, **params)
    expected = bgnbd_expected_repeats(horizon - birth, **params).mean()
    se = counts.std(ddof=1) / np.sqrt(N_CUSTOMERS)
    assert abs(counts.mean() - expected) < Z * se, (counts.mean(), expected, se)


def simulated_purchases(channel, n, horizon, seed):
    signups = pd.DataFrame({"channel": np.zeros(n, dtype=int), "signup_t": np.zeros(n)})
    return simulate_purchases(np.random.default_rng(seed), signups, (channel,), horizon)


def test_purchases_repeat_after_the_first_order_as_bgnbd_predicts():
    # The first order is the BG/NBD birth: repeats are counted from it, not from signup.
    channel = dataclasses.replace(CHANNELS["TikTok Ads"], conversion_rate=1.0)
    horizon = 365.0
    traits, purchases = simulated_purchases(channel, 60_000, horizon, seed=5)
    first = purchases[purchases["is_first"]].set_index("customer")["t"]
    repeats = purchases[~purchases["is_first"]].groupby("customer").size()
    counts = repeats.reindex(first.index, fill_value=0).to_numpy()
    params = {k: getattr(channel, k) for k in ("r", "alpha", "a", "b")}
    expected = bgnbd_expected_repeats(horizon - first.to_numpy(), **params).mean()
    se = counts.std(ddof=1) / np.sqrt(len(counts))
    assert abs(counts.mean() - expected) < Z * se, (counts.mean(), expected, se)
    assert first.index.is_unique and len(first) == traits["is_buyer"].sum()


def test_share_of_buyers_matches_conversion_rate():
    channel = CHANNELS["Meta Ads"]
    n = 40_000
    traits, purchases = simulated_purchases(channel, n, horizon=365.0, seed=6)
    # Nearly everyone's first order (mean 2 days after signup) falls inside a year.
    se = np.sqrt(channel.conversion_rate * (1 - channel.conversion_rate) / n)
    assert abs(traits["is_buyer"].mean() - channel.conversion_rate) < Z * se
    assert set(purchases["customer"]) == set(np.flatnonzero(traits["is_buyer"]))


@pytest.mark.parametrize("group", ["Google Ads", "TikTok Ads"])
def test_mean_purchase_value_matches_gamma_gamma_population_mean(group):
    channel = dataclasses.replace(CHANNELS[group], conversion_rate=1.0)
    _, purchases = simulated_purchases(channel, 60_000, horizon=90.0, seed=7)
    expected = channel.p * channel.v / (channel.q - 1)
    # Each customer's first order is one independent draw from the population.
    first = purchases.loc[purchases["is_first"], "value"]
    se = first.std(ddof=1) / np.sqrt(len(first))
    assert abs(first.mean() - expected) < Z * se, (first.mean(), expected, se)
    # Repeat orders share their customer's spend rate, so their standard error is
    # taken over customer means (a cluster-robust mean of the per-order values).
    per_customer = purchases.groupby("customer")["value"].agg(["sum", "size"])
    ratio = per_customer["sum"].sum() / per_customer["size"].sum()
    residual = per_customer["sum"] - ratio * per_customer["size"]
    cluster_se = np.sqrt((residual**2).sum()) / per_customer["size"].sum()
    assert abs(ratio - expected) < Z * cluster_se, (ratio, expected, cluster_se)
