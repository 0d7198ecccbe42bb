"""The demo's purchase process (customers who leave at any time, generator/purchases.py)
against closed forms derived here, independently of the simulator, and Gamma-Gamma's mean.

Given a customer's purchase rate lambda and dropout mix p, they buy at rate lambda and leave
at rate mu = lambda * p from their first purchase. Over lambda ~ Gamma(r, alpha), whose
Laplace transform is E[exp(-lambda c)] = (alpha / (alpha + c)) ** r, and then numerically
over p ~ Beta(a, b):
- repeats by t:  E[X(t)] = E_p[(1 - (alpha / (alpha + p t)) ** r) / p], which is also BG/NBD's
  eq. 7 (Fader, Hardie & Lee 2005): the two processes buy the same in expectation and
  differ in *when* a customer leaves;
- no repeat by t:  P(X(t) = 0) = E_p[p / (1 + p) + (alpha / (alpha + (1 + p) t)) ** r / (1 + p)]
  (the first of purchase and leaving comes at rate lambda (1 + p); it is a leaving with
  probability p / (1 + p));
- gone by t:  1 - E_p[(alpha / (alpha + p t)) ** r].
Gamma-Gamma: Fader & Hardie (2013), population mean spend p * v / (q - 1). Every tolerance is
four standard errors of the simulated statistic (seeded, so deterministic).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats
from tap_cerebro_demo.generator.profiles import PROFILES
from tap_cerebro_demo.generator.purchases import simulate_lifetime_purchases, simulate_purchases

from tests.taps.tap_cerebro_demo.test_demo_generator_bgnbd_closed_form import (
    PARAMETER_SETS,
    bgnbd_expected_repeats,
)

N_CUSTOMERS = 80_000
Z = 4.0
CHANNELS = {c.group: c for c in PROFILES["cl_services"].channels}


def _over_dropout_mix(integrand, a, b):
    """E_p[integrand(p)] for p ~ Beta(a, b)."""
    density = stats.beta(a, b).pdf
    value, _ = integrate.quad(lambda p: integrand(p) * density(p), 0, 1, limit=200)
    return value


def expected_repeats(t, r, alpha, a, b):
    return _over_dropout_mix(lambda p: (1 - (alpha / (alpha + p * t)) ** r) / p, a, b)


def probability_no_repeat(t, r, alpha, a, b):
    def given(p):
        return p / (1 + p) + (alpha / (alpha + (1 + p) * t)) ** r / (1 + p)

    return _over_dropout_mix(given, a, b)


def probability_gone(t, r, alpha, a, b):
    return 1 - _over_dropout_mix(lambda p: (alpha / (alpha + p * t)) ** r, a, b)


def simulate(seed, n, birth, horizon, r, alpha, a, b):
    rng = np.random.default_rng(seed)
    rate, dropout = rng.gamma(r, 1 / alpha, n), rng.beta(a, b, n)
    who, when, leaves = simulate_lifetime_purchases(rng, birth, rate, dropout, horizon)
    assert (when < horizon).all() and (when > birth[who]).all() and (when < leaves[who]).all()
    return np.bincount(who, minlength=n), leaves


@pytest.mark.parametrize("name", sorted(PARAMETER_SETS))
def test_derived_mean_equals_bgnbd_eq7(name):
    # Guards the derivation: the integral and the published hypergeometric form agree.
    params = PARAMETER_SETS[name]
    for t in (30.0, 365.0):
        assert expected_repeats(t, **params) == pytest.approx(
            float(bgnbd_expected_repeats(t, **params)), rel=1e-6
        )


@pytest.mark.parametrize("name", sorted(PARAMETER_SETS))
def test_repeats_none_and_gone_match_the_closed_forms(name):
    params, t = PARAMETER_SETS[name], 365.0
    counts, leaves = simulate(1, N_CUSTOMERS, np.zeros(N_CUSTOMERS), t, **params)
    se = counts.std(ddof=1) / np.sqrt(N_CUSTOMERS)
    assert abs(counts.mean() - expected_repeats(t, **params)) < Z * se
    for observed, expected in (
        ((counts == 0).mean(), probability_no_repeat(t, **params)),
        ((leaves < t).mean(), probability_gone(t, **params)),
    ):
        se = np.sqrt(expected * (1 - expected) / N_CUSTOMERS)
        assert abs(observed - expected) < Z * se, (observed, expected, se)


def test_customers_leave_without_a_repeat_purchase():
    # What BG/NBD cannot produce: among those gone by a year, many never bought again.
    counts, leaves = simulate(
        2, N_CUSTOMERS, np.zeros(N_CUSTOMERS), 365.0, **PARAMETER_SETS["Google Ads"]
    )
    gone = leaves < 365.0
    assert 0.3 < (counts[gone] == 0).mean() < 0.9


def test_staggered_births_count_only_time_after_birth():
    # Each birth's mean is eq. 7 at its own remaining time (equal to the derived integral, as
    # test_derived_mean_equals_bgnbd_eq7 checks), vectorised over the 80 000 births.
    params, horizon = PARAMETER_SETS["Referido"], 365.0
    birth = np.random.default_rng(3).uniform(0, horizon, N_CUSTOMERS)
    counts, _ = simulate(4, N_CUSTOMERS, birth, horizon, **params)
    expected = bgnbd_expected_repeats(horizon - birth, **params).mean()
    se = counts.std(ddof=1) / np.sqrt(N_CUSTOMERS)
    assert abs(counts.mean() - expected) < Z * se, (counts.mean(), expected, se)


def simulated_purchases(channel, n, horizon, seed):
    signups = pd.DataFrame({"channel": np.zeros(n, dtype=int), "signup_t": np.zeros(n)})
    return simulate_purchases(np.random.default_rng(seed), signups, (channel,), horizon)


def test_purchases_repeat_after_the_first_order_and_leaving_times_are_kept():
    # The first order is the birth: repeats and leaving are counted from it, not from signup.
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
    last = purchases.groupby("customer")["t"].max()
    leaves = traits["leaves_t"].to_numpy()
    assert (last.to_numpy() < leaves[last.index.to_numpy()]).all()
    assert (leaves[first.index.to_numpy()] > first.to_numpy()).all()


def test_share_of_buyers_matches_conversion_rate_and_only_buyers_leave():
    channel = CHANNELS["Meta Ads"]
    n = 40_000
    traits, purchases = simulated_purchases(channel, n, horizon=365.0, seed=6)
    # Nearly everyone's first order (mean 2 days after signup) falls inside a year.
    se = np.sqrt(channel.conversion_rate * (1 - channel.conversion_rate) / n)
    assert abs(traits["is_buyer"].mean() - channel.conversion_rate) < Z * se
    assert set(purchases["customer"]) == set(np.flatnonzero(traits["is_buyer"]))
    assert traits["leaves_t"].isna().to_numpy().tolist() == (~traits["is_buyer"]).tolist()


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
