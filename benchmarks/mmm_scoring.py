"""How a marketing-mix model's answers are scored against a simulation's truth (not a test).

Used by ``mmm_benchmark.py`` for every model alike:

- ROI error: mean over channels of |ROI / true ROI - 1| over the training window;
- share error: mean absolute error of each channel's share of the training revenue, in points;
- coverage: share of channels whose true ROI lies in the model's 90 % interval;
- regret: today's total budget split by the model, valued on the *true* curves, short of the
  split that is best on the true curves, in % of that best split's media revenue. Every model
  may move each channel between 0 and ``MAX_RATIO`` times its current spend. The best split is
  the global optimum (``optimizer.grid_optimum`` then a local refinement): the true curves are
  S-shaped, and a local search alone can miss it by a few per cent, which once let a model's
  plan score a negative regret.

Weekly data (``truth["period_days"]`` 7, ``mmm_suite/weekly.py``) are scored the same way in
per-day units: a true curve is the weekly curve at seven times the daily spend, divided by
seven, and today's spend is the last four weeks' mean per day.
"""

from __future__ import annotations

import numpy as np

from ml_assets.mmm.curves import ChannelResponse, SpendProfile
from ml_assets.mmm.optimizer import maximize_response
from ml_assets.mmm.summary import DailyResponse

MAX_RATIO = 3.0
CURRENT_WINDOW_DAYS = 28


def period_days(data) -> int:
    """Days per row of the simulated data: 1, or 7 for weekly data."""
    return int(data.truth.get("period_days", 1))


def holdout_rows(data) -> int:
    """Rows held out after the training window."""
    return int(data.truth.get("holdout_weeks", data.truth.get("holdout_days")))


def true_curves(data, train) -> list[DailyResponse]:
    """Each channel's true response per day, over the training window's spend pattern."""
    curves = []
    for name in data.channels:
        truth = data.truth["channels"][name]
        profile = SpendProfile.from_spend(
            train[name].to_numpy(dtype=float), "geometric", truth["decay"], 0.0, truth["max_lag"]
        )
        response = ChannelResponse(truth["beta"], truth["half_saturation"], truth["shape"], profile)
        curves.append(DailyResponse(response, period_days(data)))
    return curves


def current_spend(data, train) -> np.ndarray:
    """Mean daily spend of the last weeks of training: the budget every model splits."""
    days = period_days(data)
    rows = train[data.channels].to_numpy(dtype=float)[-(CURRENT_WINDOW_DAYS // days) :]
    return rows.mean(axis=0) / days


def regret(curves: list, current: np.ndarray, daily_spend: np.ndarray) -> float:
    """% of the true optimum's media revenue lost by spending ``daily_spend`` instead."""
    best = maximize_response(curves, current.sum(), np.zeros(len(current)), MAX_RATIO * current)
    achieved = sum(c.value(s)[0] for c, s in zip(curves, daily_spend, strict=True))
    return 100.0 * (best.value - achieved) / best.value


def score(data, train, *, roi, roi_low, roi_high, contribution, daily_spend) -> dict:
    """The metrics of one model on one dataset (arrays in ``data.channels`` order)."""
    truth = data.truth["channels"]
    true_roi = np.array([truth[name]["roi"] for name in data.channels])
    true_share = np.array([truth[name]["share"] for name in data.channels])
    revenue = float(train["revenue"].sum())
    current = current_spend(data, train)
    return {
        "roi_error_%": 100.0 * float(np.mean(np.abs(np.asarray(roi) / true_roi - 1.0))),
        "share_error_pp": 100.0 * float(np.mean(np.abs(np.asarray(contribution) / revenue
                                                       - true_share))),
        "coverage_%": 100.0 * float(np.mean((roi_low <= true_roi) & (true_roi <= roi_high))),
        "regret_%": regret(true_curves(data, train), current, np.asarray(daily_spend)),
        "status_quo_regret_%": regret(true_curves(data, train), current, current),
    }  # fmt: skip
