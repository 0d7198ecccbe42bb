"""BG/NBD formulas on arrays (Fader, Hardie & Lee 2005, "Counting your customers the easy way").

Notation of the paper: a customer bought ``x`` repeat times (``frequency``), the last one at
``t_x`` (``recency``), and has been a customer for ``T`` time units since the first purchase.
Population parameters: purchase rates ~ Gamma(r, alpha), dropout probabilities ~ Beta(a, b).

Every function is written in log space where the paper's expression can overflow, and
agrees with lifetimes 0.11.3 (``BetaGeoFitter``) to rounding, term by term.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import digamma, expit, gammaln, hyp2f1

from ml_assets.clv.factor import Factor


def _log_likelihood_parts(r, alpha, a, b, x, t_x, T):
    """The pieces of eq. 6 as written in section 7 of the paper (and Hardie's note 004):
    LL = A1 + A2 + log(exp(A3) + [x > 0] exp(A4))."""
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    # For x = 0 the A4 term is absent; b + max(x, 1) - 1 keeps the log finite there.
    a4 = np.log(a) - np.log(b + np.maximum(x, 1) - 1) - (r + x) * np.log(alpha + t_x)
    return a1, a2, a3, a4


def log_likelihood(r, alpha, a, b, x, t_x, T) -> np.ndarray:
    """Per-customer log-likelihood, eq. 6, with log-sum-exp for the two-term sum."""
    a1, a2, a3, a4 = _log_likelihood_parts(r, alpha, a, b, x, t_x, T)
    has_repeat = x > 0
    top = np.where(has_repeat, np.maximum(a3, a4), a3)
    mix = np.exp(a3 - top) + np.where(has_repeat, np.exp(a4 - top), 0.0)
    return a1 + a2 + top + np.log(mix)


@dataclass(frozen=True)
class Histories:
    """Distinct (x, t_x, T) histories as factors, with the number of customers sharing each
    (``weights``) and the number per distinct frequency (``x_weights``).

    Customers' frequencies take a few dozen values and their days a few hundred: terms of
    eq. 6 that depend on x alone are summed per distinct x, special functions and logs are
    evaluated once per distinct value, and only the two-term sum is computed per history.
    """

    x: Factor
    t_x: Factor
    T: Factor
    weights: np.ndarray
    x_weights: np.ndarray
    #: 0 where x > 0, -inf where x = 0: adding it removes the A4 term for those histories.
    log_has_repeat: np.ndarray

    @classmethod
    def of(cls, x, t_x, T, weights) -> Histories:
        x_factor = Factor.of(x)
        with np.errstate(divide="ignore"):
            log_has_repeat = np.log((x_factor.values > 0).astype(float))
        return cls(
            x=x_factor,
            t_x=Factor.of(t_x),
            T=Factor.of(T),
            weights=np.asarray(weights, dtype=float),
            x_weights=np.bincount(x_factor.index, weights=weights, minlength=x_factor.levels.size),
            log_has_repeat=log_has_repeat,
        )


def weighted_log_likelihood_gradient(
    r, alpha, a, b, h: Histories, *, dropout_after_first: bool = False
) -> tuple[float, np.ndarray]:
    """Sum over customers of the log-likelihood (eq. 6) and its gradient with respect to
    (log r, log alpha, log a, log b). Derivatives of eq. 6 term by term; the weights of the
    two-term sum exp(A3) + exp(A4) are its softmax.

    ``dropout_after_first`` gives MBG/NBD's likelihood (``mbgnbd_math``): a customer has had
    x + 1 chances to drop out instead of x, so b + x takes the place of b + x - 1 and the A4
    term is there for one-time buyers too.
    """
    k = 1 if dropout_after_first else 0
    xl, xw, total = h.x.levels, h.x_weights, h.weights.sum()
    r_x = r + h.x.values
    log_alpha_t = h.T.apply(lambda v: np.log(alpha + v))
    log_alpha_tx = h.t_x.apply(lambda v: np.log(alpha + v))
    log_b_x = h.x.apply(lambda v: np.log(b + np.maximum(v + k, 1) - 1))
    a3 = -r_x * log_alpha_t
    a4 = np.log(a) - log_b_x - r_x * log_alpha_tx
    if not dropout_after_first:  # BG/NBD: no A4 term without a repeat purchase
        a4 = a4 + h.log_has_repeat
    top = np.maximum(a3, a4)
    e3, e4 = np.exp(a3 - top), np.exp(a4 - top)
    mix = e3 + e4
    w3 = h.weights * e3 / mix  # customers times the softmax weight of each term
    w4 = h.weights - w3

    # A1 + A2 depend on x alone: summed per distinct x.
    ll = (
        (gammaln(r + xl) + gammaln(b + xl + k) - gammaln(a + b + xl + k)) @ xw
        + total * (r * np.log(alpha) - gammaln(r) + gammaln(a + b) - gammaln(b))
        + h.weights @ (top + np.log(mix))
    )
    shared_ab = total * digamma(a + b) - digamma(a + b + xl + k) @ xw
    d_r = (
        digamma(r + xl) @ xw
        + total * (np.log(alpha) - digamma(r))
        - w3 @ log_alpha_t
        - w4 @ log_alpha_tx
    )
    d_alpha = total * r / alpha - (
        (w3 * r_x) @ h.T.apply(lambda v: 1 / (alpha + v))
        + (w4 * r_x) @ h.t_x.apply(lambda v: 1 / (alpha + v))
    )
    d_a = shared_ab + w4.sum() / a
    d_b = shared_ab + digamma(b + xl + k) @ xw - total * digamma(b) - w4 @ np.exp(-log_b_x)
    # Chain rule to log parameters: d/d(log theta) = theta * d/d(theta).
    return float(ll), np.array([r * d_r, alpha * d_alpha, a * d_a, b * d_b])


def probability_alive(r, alpha, a, b, x, t_x, T) -> np.ndarray:
    """P(alive | x, t_x, T): Hardie's note 021 ("Computing P(alive) using the BG/NBD model").

    1 / (1 + [x > 0] a / (b + x - 1) ((alpha + T) / (alpha + t_x))^(r + x)), through the
    logistic function so that huge ratios give 0 instead of overflowing.
    """
    log_odds_dead = (r + x) * np.log((alpha + T) / (alpha + t_x)) + np.log(
        a / (b + np.maximum(x, 1) - 1)
    )
    return np.where(x == 0, 1.0, expit(-log_odds_dead))


def expected_purchases_if_alive(t, r, alpha, a, b, x, T) -> np.ndarray:
    """E[Y(t) | x, t_x, T, alive]: expected repeat purchases in the next ``t`` time units of a
    customer who is still alive: the numerator of eq. 10, whose denominator is 1 / P(alive)
    (the recency t_x enters only through P(alive)).

    The Gaussian hypergeometric 2F1(r + x, b + x; a + b + x - 1; z), z = t / (alpha + T + t),
    can overflow for large arguments; Euler's transformation, 2F1(a, b; c; z) =
    (1 - z)^(c - a - b) 2F1(c - a, c - b; c; z), gives the same value then, with the power
    taken in log space.
    """
    t, x, T = np.broadcast_arrays(np.asarray(t, dtype=float), x, T)
    ha, hb, hc = r + x, b + x, a + b + x - 1
    z = t / (alpha + T + t)
    log_shrink = (r + x) * np.log((alpha + T) / (alpha + t + T))
    with np.errstate(over="ignore", invalid="ignore"):
        term = np.asarray(hyp2f1(ha, hb, hc, z) * np.exp(log_shrink))
        overflow = ~np.isfinite(term)
        if overflow.any():
            o = overflow
            euler = hyp2f1(hc[o] - ha[o], hc[o] - hb[o], hc[o], z[o])
            term[o] = euler * np.exp((hc[o] - ha[o] - hb[o]) * np.log1p(-z[o]) + log_shrink[o])
    return (a + b + x - 1) / (a - 1) * (1 - term)


def conditional_expected_purchases(t, r, alpha, a, b, x, t_x, T) -> np.ndarray:
    """E[Y(t) | x, t_x, T]: expected repeat purchases in the next ``t`` time units, eq. 10,
    as P(alive) times the expectation if alive (dead customers buy nothing)."""
    return expected_purchases_if_alive(t, r, alpha, a, b, x, T) * probability_alive(
        r, alpha, a, b, x, t_x, T
    )


def expected_purchases(t, r, alpha, a, b) -> np.ndarray:
    """E[X(t)]: expected repeat purchases of a new customer in ``t`` time units, eq. 7."""
    t = np.asarray(t, dtype=float)
    hyp = hyp2f1(r, b, a + b - 1, t / (alpha + t))
    return (a + b - 1) / (a - 1) * (1 - hyp * (alpha / (alpha + t)) ** r)


def time_to_next_purchase_if_alive(r, alpha, x, T) -> np.ndarray:
    """Time until the expected number of purchases reaches one, for a customer still alive:
    the reciprocal of the posterior mean purchase rate, (alpha + T) / (r + x).

    Given alive, the rate's posterior is Gamma(r + x, alpha + T) (eq. 2 of the paper with
    the customer's history). The mean waiting time E[1 / lambda] would be
    (alpha + T) / (r + x - 1), which is infinite whenever r + x <= 1, i.e. for most one-time
    buyers, so the reciprocal of the expected rate is reported instead.
    """
    return (alpha + T) / (r + x)
