"""Has the data taught the model a channel's return? Statistics behind the flag.

On correlated spend a model can fit the target well while the credit between channels stays
whatever the prior said (Chan & Perry 2017, "Challenges and Opportunities in Media Mix
Modeling", Google, section 3.1). A Bayesian model shows this directly: the posterior of such a
channel's return is about as wide as its prior. Per channel:

- ``prior_contraction``: 1 - posterior sd / prior sd of the log return (Meridian's
  prior-vs-posterior check; 0 = the data taught nothing, 1 = the data decided alone);
- ``roi_interval_ratio``: width of the 90 % interval of the return over its posterior mean;
- ``spend_cv``: coefficient of variation of spend; ``max_spend_correlation``: the largest
  correlation of its daily spend with another channel's (why a channel may stay unidentified,
  in words a marketer can act on);
- ``periods_per_media_parameter``: rows of history left once the baseline's terms are taken,
  per media parameter (four per channel), the same for every channel. Below
  ``summary.SHORT_HISTORY`` the history is short for that many channels: the fit still runs,
  its priors carry what the rows cannot say, and a channel left unidentified is told so
  (``short_history``).

The flag itself is set in ``summary.py``.
"""

from __future__ import annotations

import numpy as np

from ml_assets.mmm.priors import Priors


def prior_log_share_sd(priors: Priors) -> float:
    """Prior sd of a channel's log return: portfolio location plus channel offset (the
    offset's sd is the half-normal spread, whose second moment is its scale squared)."""
    return float(np.sqrt(priors.media_share_log_sd**2 + priors.channel_spread**2))


def identification_statistics(
    channels: list[str],
    spend: np.ndarray,
    share_draws: np.ndarray,
    priors: Priors,
    *,
    periods_per_media_parameter: float,
) -> dict[str, dict[str, float]]:
    """Per channel: prior_contraction, roi_interval_ratio, spend_cv, max_spend_correlation,
    active_share (periods with spend), periods_per_media_parameter."""
    prior_sd = prior_log_share_sd(priors)
    log_sd = np.log(share_draws).std(axis=0)
    low, high = np.percentile(share_draws, [5.0, 95.0], axis=0)
    mean = share_draws.mean(axis=0)
    correlation = _spend_correlation(spend)
    stats = {}
    for c, name in enumerate(channels):
        spend_mean = spend[c].mean()
        others = np.delete(correlation[c], c)
        stats[name] = {
            "prior_contraction": float(1.0 - log_sd[c] / prior_sd),
            "roi_interval_ratio": float((high[c] - low[c]) / mean[c]) if mean[c] > 0 else np.inf,
            "spend_cv": float(spend[c].std() / spend_mean) if spend_mean > 0 else 0.0,
            "max_spend_correlation": float(others.max()) if len(others) else 0.0,
            "active_share": float(np.mean(spend[c] > 0)),
            "periods_per_media_parameter": float(periods_per_media_parameter),
        }
    return stats


def _spend_correlation(spend: np.ndarray) -> np.ndarray:
    """Pairwise correlation of channels' spend; 0 where a channel's spend never varies."""
    centred = spend - spend.mean(axis=1, keepdims=True)
    norms = np.sqrt(np.einsum("ij,ij->i", centred, centred))
    safe = np.where(norms > 0, norms, 1.0)
    correlation = (centred @ centred.T) / np.outer(safe, safe)
    correlation[norms == 0, :] = 0.0
    correlation[:, norms == 0] = 0.0
    return correlation
