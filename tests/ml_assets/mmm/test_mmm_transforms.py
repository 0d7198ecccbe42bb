"""Adstock and Hill transforms: Jin et al. (2017) equations, and the demo generator's truth."""

from __future__ import annotations

import numpy as np
import pytest
from tap_cerebro_demo.generator import media

from ml_assets.mmm.transforms import (
    adstock_weights,
    delayed_adstock,
    geometric_adstock,
    hill,
    hill_derivative,
    hill_inverse,
)


def test_geometric_adstock_and_hill_match_the_demo_generator_that_made_the_truth():
    spend = np.random.default_rng(3).gamma(2.0, 500.0, size=200)
    for decay, lag in ((0.0, 0), (0.45, 13), (0.9, 5)):
        ours = geometric_adstock(spend, decay, lag)
        np.testing.assert_allclose(ours, media.geometric_adstock(spend, decay, lag), rtol=1e-12)
        np.testing.assert_allclose(
            hill(ours, 800.0, 1.4), media.hill(ours, 800.0, 1.4), rtol=1e-12, atol=1e-15
        )


def test_adstock_weights_sum_to_one_so_constant_spend_stays_constant():
    for kind, delay in (("geometric", 0.0), ("delayed", 3.0)):
        weights = adstock_weights(kind, 0.6, 13, delay)
        assert weights.sum() == pytest.approx(1.0)
    carried = geometric_adstock(np.full(60, 250.0), 0.7, 13)
    np.testing.assert_allclose(carried[13:], 250.0)
    # Before max_lag periods have passed, the missing history counts as no spend.
    assert carried[0] == pytest.approx(250.0 * adstock_weights("geometric", 0.7, 13)[0])


def test_delayed_adstock_peaks_at_its_delay_and_geometric_at_once():
    impulse = np.zeros(30)
    impulse[5] = 1.0
    assert np.argmax(delayed_adstock(impulse, 0.5, 3.0, 13)) == 5 + 3
    assert np.argmax(geometric_adstock(impulse, 0.5, 13)) == 5


def test_hill_is_half_at_half_saturation_and_inverts():
    assert hill(np.array([1200.0]), 1200.0, 2.5)[0] == pytest.approx(0.5)
    x = hill_inverse(0.9, 1200.0, 2.5)
    assert hill(np.array([x]), 1200.0, 2.5)[0] == pytest.approx(0.9)
    assert hill(np.array([0.0, -1.0]), 1200.0, 2.5).tolist() == [0.0, 0.0]


def test_hill_derivative_matches_finite_differences_and_large_values_do_not_overflow():
    x = np.array([10.0, 500.0, 1200.0, 5000.0])
    step = 1e-4 * x
    numeric = (hill(x + step, 1200.0, 1.8) - hill(x - step, 1200.0, 1.8)) / (2 * step)
    np.testing.assert_allclose(hill_derivative(x, 1200.0, 1.8), numeric, rtol=1e-6)
    extreme = hill(np.array([1e-300, 1e300]), 1.0, 50.0)
    assert np.all(np.isfinite(extreme)) and extreme.tolist() == [0.0, 1.0]
