"""Experiments and priors constrain the fit: lift tests per channel and period, ROI bounds."""

from __future__ import annotations

import pytest

from tests.ml_assets.mmm.simulated_fits import fit_simulated

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
    after = fit_simulated(data, seed=0, lift_tests=tests).channel_summary().set_index("channel")
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
    result = fit_simulated(hard_fit.data, seed=0, roi_bounds={"search": (2.0, 4.0)})
    row = result.channel_summary().set_index("channel").loc["search"]
    assert 2.0 * (1 - 1e-3) <= row["roi_low"] <= row["roi"] <= row["roi_high"] <= 4.0 * (1 + 1e-3)
    draws = result.model.draws_["roi"][:, result.model.channels_.index("search")]
    # The bounds are a steep penalty (a hard wall would stop the sampler): 1 % outside a bound
    # costs a factor of e^-100, so no draw strays measurably.
    assert draws.min() >= 2.0 * (1 - 1e-3) and draws.max() <= 4.0 * (1 + 1e-3)
