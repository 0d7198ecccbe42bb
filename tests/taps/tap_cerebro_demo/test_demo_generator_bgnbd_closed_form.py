"""BG/NBD's own simulator (``simulate_repeat_times``, which the customer-value model's tests
and benchmark draw from) against the published closed forms.

Oracles: Fader, Hardie & Lee (2005), "Counting your customers the easy way",
eq. 7 (E[X(t)]) and eq. 8 (P(X(t) = x)). Every tolerance is four standard errors of the
simulated statistic (the simulations are seeded, so the tests are deterministic).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import betaln, gammaln, hyp2f1
from tap_cerebro_demo.generator.profiles import PROFILES
from tap_cerebro_demo.generator.purchases import simulate_repeat_times

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
