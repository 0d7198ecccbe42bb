"""Response curves per posterior draw (``ml_assets/mmm/curves.py``): every draw's value and
slope at every spend equal the curve's definition computed one number at a time, however
many of the (draw, spend, point) products the curves hold at once."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ml_assets.mmm import curves
from ml_assets.mmm.curves import CurveDraws


def _hill(x: float, half: float, shape: float) -> float:
    return 0.0 if x <= 0 else x**shape / (x**shape + half**shape)


def _by_definition(draws: CurveDraws, spends) -> tuple[np.ndarray, np.ndarray]:
    """f_d(s) = beta_d mean_t Hill(s p_dt) and its derivative beta_d mean_t p_dt Hill'(s p_dt),
    Hill' = S / x Hill (1 - Hill), one draw, spend and point at a time."""
    values = np.empty((len(draws.coefficient), len(spends)))
    slopes = np.empty_like(values)
    for d, (beta, half, shape) in enumerate(
        zip(draws.coefficient, draws.half_saturation, draws.shape, strict=True)
    ):
        for j, spend in enumerate(spends):
            levels, derivatives = [], []
            for point in draws.profiles[d]:
                x = spend * point
                level = _hill(x, half, shape)
                levels.append(level)
                derivatives.append(point * shape / x * level * (1 - level) if x > 0 else 0.0)
            values[d, j] = beta * math.fsum(levels) / len(levels)
            slopes[d, j] = beta * math.fsum(derivatives) / len(derivatives)
    return values, slopes


@pytest.fixture
def draws() -> CurveDraws:
    rng = np.random.default_rng(11)
    count, points = 7, 53
    profiles = np.sort(rng.gamma(2.0, 0.5, size=(count, points)), axis=1)
    profiles[:, :5] = 0.0  # days without adstocked spend add nothing
    return CurveDraws(
        coefficient=rng.uniform(1e3, 5e3, count),
        half_saturation=rng.uniform(50.0, 400.0, count),
        shape=rng.uniform(0.8, 3.0, count),
        profiles=profiles,
    )


@pytest.mark.parametrize("block_elements", [1, 500, 10**9], ids=["one_spend", "some", "all"])
def test_each_draws_curve_and_slope_are_the_definition_whatever_the_blocks(
    draws, block_elements, monkeypatch
):
    monkeypatch.setattr(curves, "BLOCK_ELEMENTS", block_elements)
    spends = np.array([0.0, 1.0, 37.5, 120.0, 250.0, 999.0, 4000.0, 1e5])
    values, slopes = _by_definition(draws, spends)

    np.testing.assert_allclose(draws.draw_values(spends), values, rtol=1e-12, atol=0)
    np.testing.assert_allclose(draws.draw_marginals(spends[1:]), slopes[:, 1:], rtol=1e-9)
    np.testing.assert_allclose(draws.value(spends), values.mean(axis=0), rtol=1e-12)
    assert draws.draw_values(120.0).shape == (len(draws.coefficient), 1)
