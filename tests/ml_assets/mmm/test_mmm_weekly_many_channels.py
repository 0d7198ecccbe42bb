"""Weekly data with many channels, the most common marketing-mix input: one and three-to-four
years of weeks, 8-10 channels, three controls (benchmarks/mmm_suite/weekly.py, written apart
from the model). The fit runs where the old rule (three rows per parameter) refused it, its
intervals hold the simulated truth for the channels it calls identified, and a history short
for its channels says so instead of moving money on them.

Seeds 0-4 were looked at while building; 100 never was before these assertions were written.
One fit per dataset, shared by the module's tests, without the backtest's refit (the CLI's
``fit_mmm`` runs both; the backtest is not what is tested here).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchmarks.mmm_scoring import current_spend, regret, true_curves
from benchmarks.mmm_suite.weekly import HOLDOUT_WEEKS, generate
from ml_assets.mmm.inputs import prepare_input
from ml_assets.mmm.model import MarketingMixModel
from ml_assets.mmm.recommendation import TEST, recommend
from ml_assets.mmm.summary import SHORT_HISTORY, channel_summary
from ml_assets.mmm.workflow import WARMUP_PER_CHANNEL

SEED = 100
#: Nominal 90 % intervals. Over the identified channels of both datasets (about a dozen), a
#: calibrated model has two thirds or fewer of them inside with probability below 5 %
#: (binomial; channels of one account are not independent, which only widens that spread).
MIN_IDENTIFIED_COVERAGE = 2 / 3


def _unfitted(level: str):
    """The dataset, its input as `cerebro mmm fit` validates it, and the model it would fit
    (the settings of workflow.fit_mmm: 200 draws, the warm-up it gives)."""
    data = generate(level, SEED)
    train = data.frame.iloc[: len(data.frame) - HOLDOUT_WEEKS]
    given = prepare_input(
        train, date_column="date", spend_columns=data.channels, target_column="revenue",
        control_columns=data.controls, event_columns=data.events, frequency="weekly",
    )  # fmt: skip
    model = MarketingMixModel(
        given.channels, controls=given.controls, signed_controls=data.signed_controls,
        events=given.events, period_days=7,
        draws=200, warmup=max(200, WARMUP_PER_CHANNEL * len(given.channels)), seed=0,
    )  # fmt: skip
    return data, given, model


def _fit(level: str):
    data, given, model = _unfitted(level)
    model.fit(given.frame, given.frame["revenue"])
    summary = channel_summary(model, float(given.frame["revenue"].sum())).set_index("channel")
    summary["true_roi"] = [data.truth["channels"][c]["roi"] for c in summary.index]
    summary["inside"] = summary["roi_low"].le(summary["true_roi"]) & summary["true_roi"].le(
        summary["roi_high"]
    )
    return {"data": data, "input": given, "model": model, "summary": summary}


@pytest.fixture(scope="module")
def one_year():
    return _fit("weekly-1y")


#: The three-to-four-year fit costs more than the one-year one (200 weeks, nine channels:
#: about 70 CPU-s against 50): its tests run with the other accuracy checks on simulated truth
#: (`make test-slow`, like test_mmm_recovery's coverage on independent data).
@pytest.fixture(scope="module")
def three_years():
    return _fit("weekly-3y")


@pytest.mark.parametrize("level", ["weekly-1y", "weekly-3y"])
def test_both_histories_pass_the_floor_with_their_backtest(level):
    _, given, model = _unfitted(level)
    assert len(given.channels) >= 8
    # `cerebro mmm fit` refuses only below the floor plus its eight held-out weeks.
    assert model.required_periods(given.frame)["fit"] + HOLDOUT_WEEKS <= len(given.frame)
    assert len(given.frame) == 52 if level == "weekly-1y" else len(given.frame) >= 156


@pytest.mark.slow
def test_identified_channels_hold_the_true_roi_in_their_intervals(one_year, three_years):
    summaries = pd.concat([one_year["summary"], three_years["summary"]])
    identified = summaries[summaries["identified"]]
    assert len(identified) >= 3, summaries
    assert identified["inside"].mean() >= MIN_IDENTIFIED_COVERAGE, identified
    # And the channels it does not judge keep intervals wide enough for the truth, mostly.
    assert summaries["inside"].mean() >= MIN_IDENTIFIED_COVERAGE, summaries


def test_a_year_of_weeks_is_short_for_its_channels_and_says_so(one_year):
    short = one_year["summary"]
    stats = one_year["model"].identification_
    assert all(s["periods_per_media_parameter"] < SHORT_HISTORY for s in stats.values())
    unidentified = short[~short["identified"]]
    assert len(unidentified) >= 1, short
    assert unidentified["identification_issues"].str.contains("short_history").all()


@pytest.mark.slow
def test_three_to_four_years_with_as_many_channels_are_not_short(three_years):
    assert not three_years["summary"]["identification_issues"].str.contains("short_history").any()


def test_channels_the_short_history_cannot_judge_keep_todays_split_in_the_advice(one_year):
    advice = recommend(one_year["model"], period_days=30).set_index("channel")
    pooled = advice[~advice["identified"]]
    assert (pooled["action"] == TEST).all()
    # They spend in today's proportions with each other (decision 0024): one ratio for all.
    ratios = pooled["recommended_spend"] / pooled["current_spend"]
    np.testing.assert_allclose(ratios, ratios.iloc[0], rtol=1e-6)


@pytest.mark.parametrize(
    "fit_name", ["one_year", pytest.param("three_years", marks=pytest.mark.slow)]
)
def test_the_advice_loses_less_than_todays_split_on_the_true_curves(request, fit_name):
    # What the flags are for: today's budget split by the advice (channels the data cannot
    # judge moving only together), valued on the simulator's true curves, against keeping
    # today's split (benchmarks/mmm_scoring.py; written after seed 100's ROI coverage was
    # seen, before its plans were).
    fit = request.getfixturevalue(fit_name)
    data = fit["data"]
    train = data.frame.iloc[: len(data.frame) - HOLDOUT_WEEKS]
    advice = recommend(fit["model"], period_days=30).set_index("channel")
    planned = advice.loc[data.channels, "recommended_spend"].to_numpy() / 30
    curves, today = true_curves(data, train), current_spend(data, train)
    assert regret(curves, today, planned) < regret(curves, today, today), advice
