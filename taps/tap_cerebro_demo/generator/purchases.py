"""Valid purchases: customers who can leave at any time, Gamma-Gamma for how much.

While alive a customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha);
from the first purchase on, they leave at an exponential time with rate
mu = lambda * p, p ~ Beta(a, b) (the channel's dropout mix). A customer can leave
before any repeat purchase, which neither BG/NBD (leaves only right after a repeat)
nor MBG/NBD (after any purchase, the first included) allows, and mu depends on
lambda, which Pareto/NBD rules out: the customer-value models Cerebro chooses
between are all graded on a process none of them assumes (issue 53). Given
(lambda, p), the expected purchases in a window equal BG/NBD's, so a channel's
value is the same as before in expectation; only *when* customers leave changes.

Gamma-Gamma (Fader & Hardie 2013, eq. 1-2): each purchase's value is
Gamma(p, nu) with nu ~ Gamma(q, v) per customer (rates, not scales), so a
customer's mean spend is p / nu and the population mean p*v/(q-1).

``simulate_repeat_times`` keeps BG/NBD's own process (Fader, Hardie & Lee 2005,
section 2) for the tests and benchmark of the BG/NBD fitter.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .profiles import ChannelProfile

FIRST_ORDER_DELAY_DAYS = 2.0  # mean days from signup to the first order


def simulate_repeat_times(
    rng: np.random.Generator,
    birth: np.ndarray,
    rate: np.ndarray,
    dropout: np.ndarray,
    horizon: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Repeat purchase times of BG/NBD customers born at ``birth`` (days).

    Returns (customer index, time) of every repeat purchase before ``horizon``.
    Vectorized over customers: each round draws everyone's next purchase and
    keeps those still active and inside the horizon.
    """
    who, when = [], []
    active = np.arange(len(birth))
    last = birth.astype(float).copy()
    while active.size:
        nxt = last[active] + rng.exponential(1.0 / rate[active])
        inside = nxt < horizon
        active, nxt = active[inside], nxt[inside]
        who.append(active)
        when.append(nxt)
        last[active] = nxt
        active = active[rng.random(active.size) >= dropout[active]]
    if not who:
        return np.empty(0, dtype=np.int64), np.empty(0)
    return np.concatenate(who), np.concatenate(when)


def simulate_lifetime_purchases(
    rng: np.random.Generator,
    birth: np.ndarray,
    rate: np.ndarray,
    dropout: np.ndarray,
    horizon: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Repeat purchases of customers born at ``birth`` who leave at any time.

    Each leaves at ``birth + Exp(rate * dropout)`` (days) and buys at ``rate`` until then.
    Returns (customer index, time) of every repeat purchase before ``horizon`` and every
    customer's leaving time (possibly after the horizon).
    """
    leaves = birth + rng.exponential(1.0 / (rate * dropout))
    who, when = [], []
    active = np.arange(len(birth))
    last = birth.astype(float).copy()
    while active.size:
        nxt = last[active] + rng.exponential(1.0 / rate[active])
        inside = nxt < np.minimum(leaves[active], horizon)
        active, nxt = active[inside], nxt[inside]
        who.append(active)
        when.append(nxt)
        last[active] = nxt
    if not who:
        return np.empty(0, dtype=np.int64), np.empty(0), leaves
    return np.concatenate(who), np.concatenate(when), leaves


def simulate_purchases(
    rng: np.random.Generator,
    signups: pd.DataFrame,
    channels: tuple[ChannelProfile, ...],
    horizon: float,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Customer-level latent traits and every valid purchase.

    Returns ``(traits, purchases)``: traits has one row per customer
    (``is_buyer``: bought before ``horizon``; ``converts``: buys at ``first_t``, whether or
    not that is before ``horizon``; ``rate``, ``dropout``, ``spend_rate``, ``leaves_t``: when
    a buyer leaves, NaN for a signup who never buys or buys after ``horizon``); purchases has
    ``customer``, ``t`` (local day offset), ``value`` (currency) and
    ``is_first``.
    """
    n = len(signups)
    channel = signups["channel"].to_numpy()
    param = {
        name: np.array([getattr(c, name) for c in channels])[channel]
        for name in ("r", "alpha", "a", "b", "p", "q", "v", "conversion_rate")
    }
    rate = rng.gamma(param["r"], 1.0 / param["alpha"])
    dropout = rng.beta(param["a"], param["b"])
    spend_rate = rng.gamma(param["q"], 1.0 / param["v"])
    first_t = signups["signup_t"].to_numpy() + rng.exponential(FIRST_ORDER_DELAY_DAYS, n)
    converts = rng.random(n) < param["conversion_rate"]
    is_buyer = converts & (first_t < horizon)

    buyers = np.flatnonzero(is_buyer)
    repeat_who, repeat_t, buyer_leaves = simulate_lifetime_purchases(
        rng, first_t[buyers], rate[buyers], dropout[buyers], horizon
    )
    leaves_t = np.full(n, np.nan)
    leaves_t[buyers] = buyer_leaves
    customer = np.concatenate([buyers, buyers[repeat_who]])
    t = np.concatenate([first_t[buyers], repeat_t])
    value = rng.gamma(param["p"][customer], 1.0 / spend_rate[customer])
    purchases = pd.DataFrame(
        {"customer": customer, "t": t, "value": value, "is_first": np.arange(len(t)) < len(buyers)}
    ).sort_values(["t", "customer"], kind="stable", ignore_index=True)
    traits = pd.DataFrame(
        {
            "is_buyer": is_buyer,
            "converts": converts,
            "first_t": first_t,
            "rate": rate,
            "dropout": dropout,
            "spend_rate": spend_rate,
            "leaves_t": leaves_t,
        }
    )
    return traits, purchases
