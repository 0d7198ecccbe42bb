"""Media transforms: carry-over (adstock) and diminishing returns (Hill saturation).

Jin, Wang, Sun, Chan & Koehler (2017), "Bayesian Methods for Media Mix Modeling with
Carryover and Shape Effects", Google Inc.:

- eq. (1): adstock_t = sum_{l=0}^{L} w(l) x_{t-l} / sum_{l=0}^{L} w(l), a *normalized*
  weighted average of the last L + 1 periods, so adstocked spend stays in spend units;
- eq. (2): geometric weights w(l) = alpha**l (effect peaks when the money is spent);
- eq. (3): delayed weights w(l) = alpha**((l - theta)**2) (effect peaks theta periods later);
- eq. (4): Hill saturation Hill(x; K, S) = 1 / (1 + (x / K)**-S) = x**S / (x**S + K**S),
  K the half-saturation point (same units as x) and S the shape (S > 1 gives an S curve).

The demo generator (``taps/tap_cerebro_demo/generator/media.py``) uses the same normalized
geometric adstock and Hill function, so recovering its truth is a like-for-like test.
All functions work on numpy arrays; the time axis is the last one.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

GEOMETRIC = "geometric"
DELAYED = "delayed"
ADSTOCK_KINDS = (GEOMETRIC, DELAYED)


def adstock_weights(kind: str, decay: float, max_lag: int, delay: float = 0.0) -> np.ndarray:
    """Weights w(0..max_lag) of eq. (2) (geometric) or eq. (3) (delayed), normalized to sum 1."""
    if not 0.0 <= decay < 1.0:
        raise ValueError(f"adstock decay must be in [0, 1), got {decay}")
    if max_lag < 0:
        raise ValueError(f"max_lag must be >= 0, got {max_lag}")
    lags = np.arange(max_lag + 1, dtype=float)
    if kind == GEOMETRIC:
        weights = decay**lags
    elif kind == DELAYED:
        weights = decay ** ((lags - delay) ** 2)
    else:
        raise ValueError(f"unknown adstock kind {kind!r}; expected one of {ADSTOCK_KINDS}")
    # decay = 0 makes 0**0 = 1 at lag 0 (geometric) or at lag == delay (delayed): all weight
    # on one period, which is the right limit.
    return weights / weights.sum()


def adstock(
    spend: np.ndarray, kind: str, decay: float, max_lag: int, delay: float = 0.0
) -> np.ndarray:
    """Normalized adstock of eq. (1) along the last axis; periods before the start count as 0."""
    spend = np.asarray(spend, dtype=float)
    weights = adstock_weights(kind, decay, max_lag, delay)
    n = spend.shape[-1]
    carried = np.zeros_like(spend)
    for lag, weight in enumerate(weights[: n if n else 1]):
        if weight == 0.0:
            continue
        carried[..., lag:] += weight * spend[..., : n - lag]
    return carried


def geometric_adstock(spend: np.ndarray, decay: float, max_lag: int) -> np.ndarray:
    """Normalized geometric adstock, eqs. (1)-(2): sum_l decay**l x[t-l] / sum_l decay**l."""
    return adstock(spend, GEOMETRIC, decay, max_lag)


def delayed_adstock(spend: np.ndarray, decay: float, delay: float, max_lag: int) -> np.ndarray:
    """Normalized delayed adstock, eqs. (1) and (3): the effect peaks ``delay`` periods later."""
    return adstock(spend, DELAYED, decay, max_lag, delay)


def hill(x: np.ndarray, half_saturation: float | np.ndarray, shape: float | np.ndarray):
    """Hill saturation of eq. (4), in [0, 1): x**S / (x**S + K**S); 0 where x <= 0.

    Computed as expit(S * log(x / K)) = 1 / (1 + exp(-S * log(x / K))), so that large S or
    extreme ratios neither overflow nor lose precision.
    """
    x = np.asarray(x, dtype=float)
    positive = x > 0
    safe = np.where(positive, x, 1.0)
    log_ratio = np.log(safe) - np.log(half_saturation)
    value = expit(np.asarray(shape) * log_ratio)
    return np.where(positive, value, 0.0)


def hill_derivative(x: np.ndarray, half_saturation: float | np.ndarray, shape):
    """d Hill / dx = S / x * Hill * (1 - Hill); its limit at x = 0 is 0 for S > 1, and for
    S == 1 it is 1 / K (for S < 1 it is unbounded; we return the value at a tiny x)."""
    x = np.asarray(x, dtype=float)
    tiny = np.maximum(x, 1e-12 * np.asarray(half_saturation))
    value = hill(tiny, half_saturation, shape)
    return np.asarray(shape) / tiny * value * (1.0 - value)


def hill_inverse(level: float, half_saturation: float, shape: float) -> float:
    """The x where Hill(x) = level, for level in (0, 1): K * (level / (1 - level))**(1/S)."""
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level}")
    return float(half_saturation * (level / (1.0 - level)) ** (1.0 / shape))
