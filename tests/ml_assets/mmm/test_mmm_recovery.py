"""Recovery of known media effects: the dedicated simulator (revenue, known ROI) and the demo
generator's truth (signups from adstock + Hill of spend, taps/tap_cerebro_demo)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from tap_cerebro_demo.generator.acquisition import simulate_acquisition
from tap_cerebro_demo.generator.calendar import COMMERCIAL_EVENT, PUBLIC_HOLIDAY, calendar_events
from tap_cerebro_demo.generator.clock import Clock
from tap_cerebro_demo.generator.profiles import PROFILES

from benchmarks.mmm_suite.independent import HOLDOUT_DAYS, LEVELS, generate
from ml_assets.mmm.transforms import geometric_adstock, hill
from ml_assets.mmm.workflow import backtest, fit_mmm
from tests.ml_assets.mmm.fixed_posterior import fixed_posterior
from tests.ml_assets.mmm.simulated_fits import (
    CHANNELS,
    fit_simulated,
    media_at_truth,
    refit_settings,
    simulated_input,
)

#: Stated tolerances on the easy case (independent spend with pauses, 4 % noise, two years).
MAX_MEAN_ROI_ERROR = 0.15  # mean over channels of |roi / true roi - 1|
MAX_ROI_ERROR = 0.25  # any single channel
MAX_SHARE_ERROR = 0.02  # contribution share of total revenue, absolute


def _with_truth(fit) -> pd.DataFrame:
    summary = fit.result.channel_summary()
    truth = fit.data.truth
    summary["true_roi"] = [truth[c]["roi"] for c in summary["channel"]]
    summary["true_share"] = [truth[c]["contribution_share"] for c in summary["channel"]]
    summary["inside"] = summary["roi_low"].le(summary["true_roi"]) & summary["true_roi"].le(
        summary["roi_high"]
    )
    return summary


def test_easy_case_recovers_roi_and_contribution_shares_within_tolerance(easy_fit):
    summary = _with_truth(easy_fit)
    roi_error = (summary["roi"] / summary["true_roi"] - 1).abs()
    assert roi_error.mean() <= MAX_MEAN_ROI_ERROR, summary
    assert roi_error.max() <= MAX_ROI_ERROR, summary
    assert (summary["contribution_share"] - summary["true_share"]).abs().max() <= MAX_SHARE_ERROR
    assert summary["identified"].all(), summary[["channel", "identification_issues"]]
    assert summary["inside"].sum() >= 2, summary


def test_easy_case_fits_the_revenue_it_was_fitted_on_within_ten_percent(easy_fit):
    # The bound `cerebro mmm fit`'s test held its own NUTS fit to; that test now reads a model
    # drawn around the truth (tests/cerebro/test_mmm_cli.py), so the fit is held to it here.
    assert easy_fit.result.diagnostics()["in_sample"]["mape"] < 0.1


def test_hard_case_learns_little_per_channel_and_keeps_the_truth_inside_the_intervals(hard_fit):
    # Spend correlation above 0.99: the data cannot split the credit, so no channel's return
    # is measured; its posterior stays wide instead of confidently wrong. Pooling pulls the
    # returns towards each other, so a channel far from the rest (video: 1.2 against 3 and 2)
    # may fall outside.
    summary = _with_truth(hard_fit)
    assert (summary["roi_interval_ratio"] > 1.0).all(), summary
    assert summary["inside"].sum() >= 2, summary
    unidentified = summary[~summary["identified"]]
    assert unidentified["identification_issues"].str.contains("collinear_spend").all()
    # The holdout error stays low although attribution is wrong: why intervals matter.
    assert hard_fit.result.diagnostics()["holdout"]["mape"] < 0.06


def test_contributions_add_up_to_the_fit_and_curves_pass_through_the_reported_roi(easy_fit):
    contributions = easy_fit.result.contributions()
    per_day = contributions.groupby("date").agg(
        total=("contribution", "sum"), fitted=("fitted_total", "first")
    )
    np.testing.assert_allclose(per_day["total"], per_day["fitted"], rtol=1e-9)
    assert set(contributions["component"]) == {
        *CHANNELS, "baseline", "holiday", "commercial_event", "organic_clicks",
    }  # fmt: skip
    summary = easy_fit.result.channel_summary().set_index("channel")
    curves = easy_fit.result.response_curves()
    at_mean = curves[curves["is_historical_mean_spend"]].groupby("channel")["roi"].first()
    np.testing.assert_allclose(at_mean[summary.index], summary["roi"], rtol=1e-9)
    # The posterior mean is the mean over draws: of the contributions and of the curves.
    draws = easy_fit.result.model.draws_
    np.testing.assert_allclose(summary.loc[CHANNELS, "contribution"], draws["contribution"].mean(0))


def test_backtest_never_sees_the_holdout_target(easy_fit):
    held = easy_fit.result.backtest
    assert len(held) == 56 and held["trained_until"].iloc[0] < held["date"].min()
    data = easy_fit.data.frame.copy()
    data.loc[data.index[-56:], "revenue"] *= 10  # a wild holdout changes nothing predicted
    wild = simulated_input(type(easy_fit.data)(data, easy_fit.data.truth, None))
    # The fit's backtest again, on the data and on the wild data (a full fit would tell
    # nothing here). About what the refit is given, not the sampler (which the fit above ran):
    # both draw around the same media parameters (fixed_posterior.py), and the baseline, the
    # noise and the predictions still come from the training rows, so a holdout target that
    # reached the refit would change them.
    settings = refit_settings(easy_fit.result.model)
    with fixed_posterior(media_at_truth(easy_fit.data)):
        plain = backtest(simulated_input(easy_fit.data), settings, 56)
        again = backtest(wild, settings, 56)
    np.testing.assert_allclose(again["predicted"], plain["predicted"])


def _demo_acquisition(customers: int, seed: int):
    """Daily signups and spend from the demo generator's acquisition model (CL profile)."""
    profile = PROFILES["cl_services"]
    clock = Clock(dt.date(2024, 11, 21), 730, "America/Santiago")
    events = calendar_events(
        profile.country_code, profile.commercial_events, clock.start, clock.end
    )
    holidays = set(events.loc[events["event_type"] == PUBLIC_HOLIDAY, "event_date"])
    commercial = set(events.loc[events["event_type"] == COMMERCIAL_EVENT, "event_date"])
    rng = np.random.default_rng(seed)
    acquisition = simulate_acquisition(rng, profile, clock, customers, holidays, commercial)
    spend = acquisition.campaign_spend.pivot_table(
        index="day", columns="platform", values="spend", aggfunc="sum"
    ).reindex(range(clock.days), fill_value=0.0)
    table = pd.DataFrame({"date": clock.dates})
    for platform in spend.columns:
        table[platform] = spend[platform].to_numpy()
    table["clicks"] = acquisition.search_clicks
    table["holiday"] = [int(d in holidays) for d in clock.dates.date]
    table["event"] = [int(d in commercial) for d in clock.dates.date]
    table["signups"] = np.bincount(acquisition.signups["day"], minlength=clock.days)
    return table, list(spend.columns), acquisition.truth


def test_demo_generator_media_truth_is_recovered_with_new_customers_as_target():
    # 30 000 customers in two years (41 signups a day): enough signal to measure three
    # channels; the demo's 1 500 would leave every channel unidentified.
    table, platforms, truth = _demo_acquisition(customers=30_000, seed=0)
    result = fit_mmm(
        table, date_column="date", spend_columns=platforms, target_column="signups",
        control_columns=["clicks"], event_columns=["holiday", "event"], seed=0,
    )  # fmt: skip
    summary = result.channel_summary().set_index("channel")
    by_platform = {media["platform"]: media for media in truth.values() if "platform" in media}
    inside = 0
    for platform in platforms:
        media = by_platform[platform]
        spend = table[platform].to_numpy()
        carried = geometric_adstock(spend, media["adstock_decay"], media["adstock_max_lag"])
        true_signups = media["beta_signups_per_day"] * hill(
            carried, media["hill_half_saturation"], media["hill_shape"]
        )
        true_roi = true_signups.sum() / spend.sum()
        row = summary.loc[platform]
        assert row["roi"] == pytest.approx(true_roi, rel=0.35), (platform, row, true_roi)
        inside += row["roi_low"] <= true_roi <= row["roi_high"]
    assert inside >= 2


@pytest.mark.slow
@pytest.mark.parametrize("level", LEVELS)
def test_roi_intervals_cover_the_truth_about_as_often_as_stated_on_independent_data(level):
    # benchmarks/mmm_suite/independent.py was written apart from the model; seeds 0-2 were
    # looked at while building it, these never.
    covered = []
    for seed in range(200, 205):
        data = generate(level, seed)
        train = data.frame.iloc[: len(data.frame) - HOLDOUT_DAYS]
        summary = fit_mmm(
            train, date_column="date", spend_columns=data.channels, target_column="revenue",
            control_columns=data.controls, event_columns=data.events, seed=seed,
        ).channel_summary()  # fmt: skip
        for row in summary.itertuples():
            covered.append(
                row.roi_low <= data.truth["channels"][row.channel]["roi"] <= row.roi_high
            )
    # Nominal 90 %; 20 channels per level: allow for sampling error.
    assert np.mean(covered) >= 0.8, np.mean(covered)


def test_a_weekly_model_sums_days_into_weeks_and_still_reports_per_day(easy_fit):
    result = fit_simulated(easy_fit.data, seed=0, frequency="weekly")
    assert result.model.period_days == 7 and result.diagnostics()["periods"] == 104
    curves = result.response_curves()
    at_mean = curves[curves["is_historical_mean_spend"]].set_index("channel")
    daily_mean = easy_fit.data.frame[CHANNELS].iloc[: 104 * 7].mean()
    np.testing.assert_allclose(at_mean.loc[CHANNELS, "daily_spend"], daily_mean, rtol=0.01)
    summary = result.channel_summary().set_index("channel")
    np.testing.assert_allclose(at_mean.loc[CHANNELS, "roi"], summary.loc[CHANNELS, "roi"])
    # A quarter of the rows (104 weeks): wider intervals, still around the truth.
    truth = pd.Series({c: easy_fit.data.truth[c]["roi"] for c in CHANNELS})
    inside = (summary.loc[CHANNELS, "roi_low"] <= truth) & (
        truth <= summary.loc[CHANNELS, "roi_high"]
    )
    assert inside.sum() >= 2, summary
