"""MBG/NBD formulas on arrays (Batislam, Denizel & Filiztekin 2007, "Empirical validation and
comparison of models for customer base analysis", with Wagner & Hoppe's 2008 erratum).

The BG/NBD's story with one change: a customer may also drop out right after the *first*
purchase, not only after repeat ones. Under BG/NBD a customer who never bought again cannot
have left (P(alive) = 1 however old the only order is); here every customer has survived
x + 1 purchase opportunities, so the dropout probability's posterior given alive is
Beta(a, b + x + 1) where BG/NBD's is Beta(a, b + x). Several expressions are therefore
BG/NBD's with b + 1 in place of b, and are computed through ``bgnbd_math`` that way.

Notation and units as in ``bgnbd_math``: x repeat purchases (``frequency``), the last at t_x
(``recency``), observed for T since the first. Agrees with lifetimes 0.11.3
(``ModifiedBetaGeoFitter``) to rounding, term by term.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, gammaln

from ml_assets.clv import bgnbd_math
from ml_assets.clv.bgnbd_math import Histories


def _log_likelihood_parts(r, alpha, a, b, x, t_x, T):
    """The pieces of the likelihood (Batislam et al. 2007, Appendix A, eq. 3, as corrected by
    Wagner & Hoppe 2008): LL = A1 + A2 + log(exp(A3) + exp(A4)), the A4 term present for
    every customer, one-time buyers included (they may have left right after buying)."""
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x + 1) - gammaln(b) - gammaln(a + b + x + 1)
    a3 = -(r + x) * np.log(alpha + T)
    a4 = np.log(a) - np.log(b + x) - (r + x) * np.log(alpha + t_x)
    return a1, a2, a3, a4


def log_likelihood(r, alpha, a, b, x, t_x, T) -> np.ndarray:
    """Per-customer log-likelihood, with log-sum-exp for the two-term sum."""
    a1, a2, a3, a4 = _log_likelihood_parts(r, alpha, a, b, x, t_x, T)
    return a1 + a2 + np.logaddexp(a3, a4)


def weighted_log_likelihood_gradient(r, alpha, a, b, h: Histories) -> tuple[float, np.ndarray]:
    """Sum over customers of the log-likelihood and its gradient with respect to
    (log r, log alpha, log a, log b): ``bgnbd_math``'s, with a dropout chance after the first
    purchase too."""
    return bgnbd_math.weighted_log_likelihood_gradient(r, alpha, a, b, h, dropout_after_first=True)


def probability_alive(r, alpha, a, b, x, t_x, T) -> np.ndarray:
    """P(alive | x, t_x, T), Batislam et al. (2007), Appendix A, eq. 5:
    1 / (1 + a / (b + x) ((alpha + T) / (alpha + t_x))^(r + x)), for one-time buyers too
    (t_x = 0: the longer since the only order, the likelier the customer has gone)."""
    log_odds_dead = (r + x) * np.log((alpha + T) / (alpha + t_x)) + np.log(a / (b + x))
    return expit(-log_odds_dead)


def expected_purchases_if_alive(t, r, alpha, a, b, x, T) -> np.ndarray:
    """E[Y(t) | x, t_x, T, alive]: the numerator of Wagner & Hoppe's (2008) conditional
    expectation, (a + b + x) / (a - 1) (1 - 2F1(r + x, b + x + 1; a + b + x; z)
    ((alpha + T) / (alpha + T + t))^(r + x)): BG/NBD's with b + 1, since given alive the
    dropout probability is Beta(a, b + x + 1) and the purchase rate Gamma(r + x, alpha + T)
    in both models."""
    return bgnbd_math.expected_purchases_if_alive(t, r, alpha, a, b + 1, x, T)


def conditional_expected_purchases(t, r, alpha, a, b, x, t_x, T) -> np.ndarray:
    """E[Y(t) | x, t_x, T]: P(alive) times the expectation if alive (dead customers buy
    nothing)."""
    return expected_purchases_if_alive(t, r, alpha, a, b, x, T) * probability_alive(
        r, alpha, a, b, x, t_x, T
    )


def expected_purchases(t, r, alpha, a, b) -> np.ndarray:
    """E[X(t)]: expected repeat purchases of a new customer in ``t`` time units,
    b / (a - 1) (1 - 2F1(r, b + 1; a + b; t / (alpha + t)) (alpha / (alpha + t))^r): the
    chance of surviving the first purchase, b / (a + b), times BG/NBD's eq. 7 for a customer
    whose dropout probability is then Beta(a, b + 1)."""
    return b / (a + b) * bgnbd_math.expected_purchases(t, r, alpha, a, b + 1)


#: Given alive, the purchase rate's posterior is Gamma(r + x, alpha + T), as under BG/NBD (the
#: dropout process does not touch it): the same time to the next purchase.
time_to_next_purchase_if_alive = bgnbd_math.time_to_next_purchase_if_alive
