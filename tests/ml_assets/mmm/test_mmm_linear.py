"""The linear core: profiled ridge baseline and the bounded media coefficients."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import lsq_linear

from ml_assets.mmm.linear import RidgeBaseline, box_qp, box_qp_exact, quadratic_value


def _problem(rng, n=120, m=4, collinear=False):
    media = rng.random((n, m))
    if collinear:
        media[:, 1] = media[:, 0] + 1e-3 * rng.random(n)
    y = media @ rng.normal(0.5, 1.0, m) + rng.normal(0, 0.1, n)
    return media, y


@pytest.mark.parametrize("channels", [4, 10])  # 10: beyond enumeration
def test_box_qp_matches_scipy_bounded_least_squares_also_on_collinear_columns(channels):
    rng = np.random.default_rng(0)
    for trial in range(20):
        media, y = _problem(rng, m=channels, collinear=trial % 2 == 1)
        gram, linear = media.T @ media, media.T @ y
        for upper in (np.full(channels, np.inf), np.full(channels, 0.4)):
            reference = lsq_linear(media, y, bounds=(0.0, upper), tol=1e-12).x
            best = quadratic_value(gram, linear, y @ y, reference)
            exact = box_qp_exact(gram, linear, np.zeros(channels), upper)
            assert quadratic_value(gram, linear, y @ y, exact) <= best + 1e-8 * max(1.0, best)
            # The batched search's solver: exact when it enumerates, close when it iterates.
            batched = box_qp(gram, linear, np.zeros(channels), upper, max_sweeps=2000)
            assert quadratic_value(gram, linear, y @ y, batched) <= best * (1 + 1e-3) + 1e-8


def test_box_qp_solves_a_batch_at_once():
    rng = np.random.default_rng(1)
    problems = [_problem(rng) for _ in range(5)]
    grams = np.stack([m.T @ m for m, _ in problems])
    linears = np.stack([m.T @ y for m, y in problems])
    batch = box_qp(grams, linears, np.zeros(4), np.full(4, np.inf))
    for k in range(5):
        single = box_qp(grams[k], linears[k], np.zeros(4), np.full(4, np.inf))
        np.testing.assert_allclose(batch[k], single)


def test_profiled_baseline_gives_the_joint_ridge_solution():
    rng = np.random.default_rng(2)
    n, p = 200, 6
    design = np.column_stack([np.ones(n), rng.normal(size=(n, p - 1))])
    penalties = np.array([0.0, 1.0, 1.0, 2.0, 0.5, 3.0])
    media, y = _problem(rng, n=n, m=2)
    baseline = RidgeBaseline.factorize(design, penalties)
    q_media, q_y = baseline.project(media), baseline.project(y)
    gram = media.T @ media - q_media.T @ q_media
    linear = media.T @ y - q_media.T @ q_y
    beta = np.linalg.solve(gram, linear)
    gamma = baseline.coefficients(y - media @ beta)
    # Joint normal equations of min |y - B g - H b|^2 + g' diag(penalties) g.
    full = np.column_stack([design, media])
    penalty = np.diag(np.concatenate([penalties, np.zeros(2)]))
    joint = np.linalg.solve(full.T @ full + penalty, full.T @ y)
    np.testing.assert_allclose(np.concatenate([gamma, beta]), joint, rtol=1e-8, atol=1e-10)
