"""The experiment that would measure a channel the data cannot: its size and duration, from
the model's own noise.

A go-dark test switches the channel off for ``D`` days and compares the target with what the
model predicts for those days (the counterfactual with the channel on). Its lift is the
channel's contribution, about ``c`` per day, so ``c * D`` in all, measured against daily
noise of standard deviation ``sigma`` (the model's residual): a standard error of
``sigma * sqrt(D)``, a relative error of ``sigma / (c * sqrt(D))``. Measuring the channel to
``RELATIVE_ERROR`` needs ``D = (sigma / (RELATIVE_ERROR * c))**2`` days (Vaver & Koehler 2011,
"Measuring Ad Effectiveness Using Geo Experiments", Google, section 3, for the same reasoning
on geo experiments).

A geo holdout switches it off only in a share ``g`` of the market and compares those regions
with the rest: the lift shrinks to ``g * c`` per day, the regions' noise to about
``sqrt(g) * sigma`` (sums of independent regions), and the comparison doubles the variance, so
it needs ``2 / g`` times the days for the same precision; in exchange the channel keeps
running in most of the market.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ml_assets.mmm.model import MarketingMixModel
from ml_assets.mmm.summary import daily_response

#: The experiment measures the channel's contribution to +/- this (one standard error).
RELATIVE_ERROR = 0.25
#: Whole weeks (weekday effects cancel), at least two, at most eight; a geo holdout, which
#: keeps the channel on in most of the market, at most sixteen (a season: longer and the
#: market changes under the test).
MIN_DAYS = 14
MAX_DAYS = 56
GEO_MAX_DAYS = 112
GEO_SHARE = 0.5


@dataclass(frozen=True)
class ExperimentDesign:
    """How to measure one channel: go dark for ``days``, or in half the market for
    ``geo_days``; ``feasible`` when the go-dark test fits within ``MAX_DAYS``."""

    channel: str
    days: int
    geo_days: int
    geo_share: float
    expected_lift: float  # target units over the go-dark test (posterior mean)
    spend_paused: float  # spend not spent during the go-dark test
    relative_error: float  # what the go-dark test achieves in ``days``
    feasible: bool


def _whole_weeks(days: float) -> int:
    return int(7 * math.ceil(max(days, MIN_DAYS) / 7))


def design_experiment(model: MarketingMixModel, channel: str) -> ExperimentDesign:
    """The go-dark and geo-holdout tests that would measure ``channel`` to ``RELATIVE_ERROR``,
    each capped at its longest sensible duration (then ``feasible`` is False: a first measure).
    """
    c = model.channels_.index(channel)
    current = float(model.current_spend_[c] / model.period_days)
    per_day = float(daily_response(model, channel).value(current)[0])
    # The residual is per model period; daily noise of a weekly model is sqrt(7) times smaller.
    sigma = model.residual_sd_ / math.sqrt(model.period_days)
    needed = (sigma / (RELATIVE_ERROR * per_day)) ** 2 if per_day > 0 else math.inf
    days = min(_whole_weeks(needed), MAX_DAYS) if math.isfinite(needed) else MAX_DAYS
    achieved = sigma / (per_day * math.sqrt(days)) if per_day > 0 else math.inf
    geo = 2.0 / GEO_SHARE * needed
    return ExperimentDesign(
        channel=channel,
        days=days,
        geo_days=min(_whole_weeks(geo), GEO_MAX_DAYS) if math.isfinite(geo) else GEO_MAX_DAYS,
        geo_share=GEO_SHARE,
        expected_lift=per_day * days,
        spend_paused=current * days,
        relative_error=achieved,
        feasible=needed <= MAX_DAYS,
    )
