"""Posterior draws around fixed, known media parameters in place of NUTS, for tests about what
reads a fit rather than the fit itself.

pymc-marketing's tests replace the sampler where a test is about what reads a fit (summaries,
plots, budget optimisation): their `mock_pymc_sample` fixture returns prior draws instead of
running NUTS. Here the one sampler call, ``ml_assets.mmm.posterior.sample_posterior``, returns
draws around parameters the test chose; everything before and after it stays real: the input
checks, the baseline design, the backtest's refit, the model's fitted attributes and spend
profiles, the baseline coefficients drawn from their exact conditional posterior. The code that
reads a fit (tables, files, the optimizer, the Dagster asset) meets the objects a fit makes, in
a fraction of a second instead of seconds of NUTS per fit.

The fits themselves are tested with NUTS, on purpose: on simulated truth in this folder
(test_mmm_recovery, test_mmm_calibration, test_mmm_reproducibility, test_mmm_posterior) and
through the whole platform by the shared demo's run (tests/conftest.py, read by
tests/orchestration/test_mmm_assets.py).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pytest

from ml_assets.mmm import posterior
from ml_assets.mmm.posterior import PosteriorDraws, PosteriorProblem
from ml_assets.mmm.priors import Priors
from ml_assets.mmm.side_process import SIDE_PROCESS_VARIABLE
from ml_assets.mmm.tenant_pool import WORKERS_VARIABLE
from ml_assets.mmm.transforms import GEOMETRIC, adstock, hill

#: Log-sd of the draws around the fixed values: narrow enough that every channel reads as
#: identified (identification.py), wide enough that every interval has a width.
SPREAD = 0.05
#: Decays are kept below this: the adstock of transforms.py needs decay < 1.
MAX_DECAY = 0.95


@dataclass(frozen=True)
class FixedMedia:
    """One channel's media parameters on the sampler's scale (priors.py): ``half_saturation``
    relative to the channel's mean spend, ``share`` its return r_c (its contribution over the
    window is r_c times its share of paid spend times the target's total). The defaults are
    the priors' medians."""

    decay: float = 0.5
    half_saturation: float = 1.0
    shape: float = float(np.exp(Priors().shape_log_median))
    share: float = Priors().media_share_median


def fixed_draws(
    problem: PosteriorProblem, media: Sequence[FixedMedia], *, chains: int, draws: int, seed: int
) -> PosteriorDraws:
    """``chains * draws`` draws scattered by ``SPREAD`` around ``media`` (one per channel),
    with each draw's coefficient set by its return as the sampler sets it (posterior._media),
    the noise at the residual's sd, and the baseline drawn as ``sample_posterior`` draws it."""
    channels = len(problem.spend_share)
    if len(media) != channels:
        raise ValueError(f"{len(media)} fixed channels for a model of {channels}")
    rng = np.random.default_rng(seed)
    count = chains * draws

    def around(field: str) -> np.ndarray:
        values = np.array([getattr(channel, field) for channel in media], dtype=float)
        return values[None, :] * np.exp(SPREAD * rng.standard_normal((count, channels)))

    decay = np.minimum(around("decay"), MAX_DECAY)
    half, shape, share = around("half_saturation"), around("shape"), around("share")
    relative = problem.lagged_spend[:, 0, :]  # lag 0: spend / mean spend
    lag = problem.lagged_spend.shape[1] - 1
    rows = len(problem.target)
    beta = np.empty((count, channels))
    media_rows = np.zeros((count, rows))
    for d in range(count):
        for c in range(channels):
            carried = adstock(relative[c], GEOMETRIC, decay[d, c], lag)
            level = hill(carried, half[d, c], shape[d, c])
            beta[d, c] = share[d, c] * problem.spend_share[c] * rows / max(level.sum(), 1e-12)
            media_rows[d] += beta[d, c] * level
    least_squares, residual_sd = _baseline_least_squares(problem, media_rows.mean(axis=0))
    sigma = residual_sd * np.exp(SPREAD * rng.standard_normal(count))
    positive = _positive_draws(problem, least_squares, rng, count)
    # The sampler's own conditional draw of the baseline (private, but it is exactly the part
    # of sample_posterior that is not NUTS).
    coefficients = posterior._baseline_draws(problem, media_rows, sigma, seed, positive)
    return PosteriorDraws(
        intercept=coefficients[:, 0],
        baseline=coefficients[:, 1:],
        decay=decay,
        half_saturation=half,
        shape=shape,
        share=share,
        beta=beta,
        sigma=sigma,
        divergences=0,
        mean_tree_steps=0.0,  # no NUTS tree was built
        max_rhat=1.0,  # independent draws: the chains agree by construction
    )


def _positive_draws(
    problem: PosteriorProblem, least_squares: np.ndarray, rng: np.random.Generator, count: int
) -> np.ndarray | None:
    """Draws of the coefficients that must be positive (demand controls): their least-squares
    values, floored at zero, scattered by ``SPREAD``; None without any."""
    positive = problem.positive_columns()
    if not positive.any():
        return None
    floored = np.maximum(least_squares[positive], 0.0)
    return floored[None, :] * np.exp(SPREAD * rng.standard_normal((count, int(positive.sum()))))


def _baseline_least_squares(
    problem: PosteriorProblem, media: np.ndarray
) -> tuple[np.ndarray, float]:
    """The baseline's least-squares coefficients on the target without ``media`` (their
    departure from the prior mean), and the sd of what they leave."""
    rest = problem.target - problem.baseline @ problem.baseline_prior_mean - media
    coefficients, *_ = np.linalg.lstsq(problem.baseline, rest, rcond=None)
    return coefficients, float(np.std(rest - problem.baseline @ coefficients))


@contextlib.contextmanager
def fixed_posterior(media: Sequence[FixedMedia] | None = None) -> Iterator[None]:
    """Within it, every MMM fit of this process draws around ``media`` (one per channel, in
    the model's channel order; default: the priors' medians for every channel) instead of
    running NUTS. Fits stay in this process, the backtest's refit and every tenant's run
    included: a spawned process would import the real sampler."""

    def sample(problem: PosteriorProblem, *, chains=2, warmup=200, draws=200, seed=0):
        chosen = media if media is not None else [FixedMedia()] * len(problem.spend_share)
        return fixed_draws(problem, chosen, chains=chains, draws=draws, seed=seed)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(posterior, "sample_posterior", sample)
        patch.setenv(SIDE_PROCESS_VARIABLE, "0")
        patch.setenv(WORKERS_VARIABLE, "1")
        yield
