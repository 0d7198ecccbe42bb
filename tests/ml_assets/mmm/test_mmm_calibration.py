"""Experiments and priors constrain the fit: lift tests per channel and period, ROI bounds.

Each test fits the session's hard case again with its constraint and reads the model alone:
`refit` leaves out the backtest's refit that `fit_mmm` runs beside the full fit (as costly as
the fit, and no test here reads it)."""

from __future__ import annotations

import pytest

from ml_assets.mmm.summary import channel_summary
from tests.ml_assets.mmm.simulated_fits import refit

WINDOW = ("2025-03-01", "2025-04-30")


def test_lift_tests_pin_collinear_channels_to_the_measured_effect(hard_fit):
    data = hard_fit.data
    truth = data.contributions.set_index("date").loc[WINDOW[0] : WINDOW[1]]
    tests = [
        {"channel": channel, "start": WINDOW[0], "end": WINDOW[1],
         "lift": truth[channel].sum(), "standard_error": 0.05 * truth[channel].sum()}
        for channel in ("search", "video")
    ]  # fmt: skip
    before = hard_fit.result.channel_summary().set_index("channel")
    calibrated = refit(hard_fit, lift_tests=tests)
    after = channel_summary(calibrated, float(hard_fit.result.y.sum())).set_index("channel")
    for channel in ("search", "video"):
        true_roi = data.truth[channel]["roi"]
        # Measured to 5 % over two months: the posterior follows the experiment.
        assert after.loc[channel, "roi"] == pytest.approx(true_roi, rel=0.1)
        width_before = before.loc[channel, "roi_high"] - before.loc[channel, "roi_low"]
        width_after = after.loc[channel, "roi_high"] - after.loc[channel, "roi_low"]
        assert width_after < 0.3 * width_before
        # An experiment identifies the effect even though the spend is collinear.
        assert after.loc[channel, ["calibrated", "identified"]].all()
    assert not after.loc["social", "calibrated"]


def test_roi_bounds_hold_for_the_estimate_and_every_posterior_draw(hard_fit):
    model = refit(hard_fit, roi_bounds={"search": (2.0, 4.0)})
    summary = channel_summary(model, float(hard_fit.result.y.sum()))
    row = summary.set_index("channel").loc["search"]
    assert 2.0 * (1 - 1e-3) <= row["roi_low"] <= row["roi"] <= row["roi_high"] <= 4.0 * (1 + 1e-3)
    draws = model.draws_["roi"][:, model.channels_.index("search")]
    # The bounded return is the hierarchy's prior truncated to the bounds: no draw strays.
    assert draws.min() >= 2.0 * (1 - 1e-9) and draws.max() <= 4.0 * (1 + 1e-9)
    # And the bounds do not trap the sampler: it explores as the unbounded fit does.
    assert model.sampler_["discarded_chains"] == 0
    assert model.sampler_["divergences"] <= 0.05 * model.sampler_["draws"]
