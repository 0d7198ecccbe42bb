"""The true optimum of the margin plan net of spend (decision 0053), computed from the demo's
``truth.json`` alone, independently of the budget brain.

The generator's paid channels bring ``beta * hill(adstock(spend))`` signups a day
(``taps/tap_cerebro_demo/generator/media.py``: normalised geometric adstock, so a steady daily
spend ``s`` is adstocked to ``s``), and each signup leaves ``value_12m.margin`` of contribution
margin in its first 12 months (``generator/value_truth.py``). A plan that spends ``s_c`` a day
in each channel for ``period_days`` is worth, net of its spend,
``period_days * sum_c (margin_c * beta_c * hill(s_c) - s_c)``; the true plan maximizes it with
at most today's total spend and each channel between 0 and ``max_ratio`` times today's spend
(the plan's bounds, ``ml_assets/mmm/budget.py``). Solved by exhaustive dynamic programming on a
fine grid of the budget (exact on the grid, whatever the curves' shapes).
"""

from __future__ import annotations

import numpy as np

#: Grid units of today's daily budget: the optimum to 1/2000 of it.
UNITS = 2000


def _hill(spend: np.ndarray, half_saturation: float, shape: float) -> np.ndarray:
    ratio = np.maximum(spend, 0.0) / half_saturation
    return ratio**shape / (1.0 + ratio**shape)


def true_net_per_day(truth: dict, channel: str, spend) -> np.ndarray:
    """The channel's true margin per day at a steady daily spend, less that spend."""
    facts = truth["channels"][channel]
    media, margin = facts["media"], facts["value_12m"]["margin"]
    signups = media["beta_signups_per_day"] * _hill(
        np.asarray(spend, dtype=float), media["hill_half_saturation"], media["hill_shape"]
    )
    return margin * signups - np.asarray(spend, dtype=float)


def true_optimum(truth: dict, current: dict[str, float], max_ratio: float = 3.0) -> dict:
    """The true best daily spend per channel with at most ``sum(current)`` a day in all."""
    channels = sorted(current)
    unit = sum(current.values()) / UNITS
    steps = np.arange(UNITS + 1)
    best = np.zeros(UNITS + 1)  # best[b]: the channels so far with b units among them
    choices = []
    for channel in channels:
        allowed = steps * unit <= max_ratio * current[channel] + 1e-9 * unit
        gains = np.where(allowed, true_net_per_day(truth, channel, steps * unit), -np.inf)
        rest = steps[:, None] - steps[None, :]
        candidate = np.where(rest >= 0, best[np.clip(rest, 0, UNITS)] + gains[None, :], -np.inf)
        choices.append(candidate.argmax(axis=1))
        best = candidate.max(axis=1)
    left, plan = int(best.argmax()), {}
    for index in range(len(channels) - 1, -1, -1):
        chosen = int(choices[index][left])
        plan[channels[index]] = chosen * unit
        left -= chosen
    return plan


def true_net_change(truth: dict, current: dict[str, float], plan: dict[str, float]) -> float:
    """What moving from today's daily spend to ``plan`` is truly worth per day, net of spend."""
    return float(
        sum(
            true_net_per_day(truth, c, plan[c]) - true_net_per_day(truth, c, current[c])
            for c in current
        )
    )
