"""The sampler's mathematics against direct computations: the baseline integrated out equals
the Gaussian marginal likelihood written out in full (scipy), padding changes nothing, and the
baseline draws follow the conjugate posterior solved another way (augmented least squares).
A chain that stuck or diverged is replaced by a chain of a re-run."""

from __future__ import annotations

import functools
from pathlib import Path

import jax
import numpy as np
import pytest
from scipy.stats import kstest, multivariate_normal, truncnorm

from ml_assets.mmm import posterior
from ml_assets.mmm.posterior import (
    PosteriorProblem,
    _arrays,
    _baseline_draws,
    _collapsed_log_likelihood,
    _truncated_offsets,
    healthy_chains,
    sample_posterior,
)
from ml_assets.mmm.priors import Priors


def _problem(rows: int = 150, terms: int = 5, seed: int = 0) -> PosteriorProblem:
    rng = np.random.default_rng(seed)
    baseline = np.column_stack([np.ones(rows), rng.normal(size=(rows, terms - 1))])
    return PosteriorProblem(
        baseline=baseline,
        baseline_prior_mean=np.r_[1.0, np.zeros(terms - 1)],
        baseline_prior_sd=rng.uniform(0.2, 1.5, terms),
        lagged_spend=rng.uniform(0.0, 2.0, size=(2, 4, rows)),
        spend_share=np.array([0.6, 0.4]),
        target=1.0 + rng.normal(0.0, 0.2, rows),
        priors=Priors(),
    )


def _direct(problem: PosteriorProblem, residual: np.ndarray, sigma: float) -> float:
    """log N(residual; 0, sigma^2 I + B Lambda B'), the covariance written out."""
    baseline = problem.baseline
    covariance = (
        sigma**2 * np.eye(len(residual)) + (baseline * problem.baseline_prior_sd**2) @ baseline.T
    )
    return float(multivariate_normal(np.zeros(len(residual)), covariance).logpdf(residual))


@pytest.mark.parametrize("rows", [150, 160, 300])  # padded, exact, padded again
def test_collapsed_likelihood_equals_the_gaussian_marginal_written_out(rows):
    problem = _problem(rows=rows)
    arrays = _arrays(problem)  # padded rows and terms
    rng = np.random.default_rng(1)
    residual = rng.normal(0.0, 0.3, rows)
    padded = np.zeros(arrays["target"].shape[0])
    padded[:rows] = residual
    for sigma in (0.05, 0.3, 2.0):
        collapsed = float(_collapsed_log_likelihood(arrays, padded, sigma))
        assert collapsed == pytest.approx(_direct(problem, residual, sigma), rel=1e-9, abs=1e-6)


def test_baseline_draws_follow_the_conjugate_posterior_solved_as_augmented_least_squares():
    problem = _problem(rows=200, terms=4, seed=3)
    media = np.zeros((4000, 200))
    sigma = np.full(4000, 0.25)
    draws = _baseline_draws(problem, media, sigma, seed=7)
    # Posterior mean of gamma = argmin |y - B gamma|^2 / s^2 + |(gamma - mu0) / sd|^2:
    # ordinary least squares on the data stacked over the prior's pseudo-rows.
    stacked = np.vstack([problem.baseline / 0.25, np.diag(1.0 / problem.baseline_prior_sd)])
    rhs = np.r_[problem.target / 0.25, problem.baseline_prior_mean / problem.baseline_prior_sd]
    mean, *_ = np.linalg.lstsq(stacked, rhs, rcond=None)
    covariance = np.linalg.inv(stacked.T @ stacked)
    standard_error = np.sqrt(np.diag(covariance) / len(draws))
    assert np.all(np.abs(draws.mean(axis=0) - mean) < 5 * standard_error)
    # A sample covariance of n draws errs by about variance / sqrt(n) per entry.
    tolerance = 5 * np.diag(covariance).max() / np.sqrt(len(draws))
    np.testing.assert_allclose(np.cov(draws.T), covariance, rtol=0, atol=tolerance)


def test_a_chain_that_never_moved_or_mostly_diverged_is_not_healthy():
    rng = np.random.default_rng(4)
    share = rng.lognormal(size=(3, 50, 2))
    share[1] = share[1, 0]  # stuck: every draw the first one
    diverging = np.zeros((3, 50), dtype=bool)
    diverging[2, :30] = True  # 60 % of its transitions diverged
    assert healthy_chains(share, diverging).tolist() == [True, False, False]


def test_an_unhealthy_chain_is_replaced_by_one_of_a_rerun(monkeypatch):
    runs = []

    def first_chain_bad_once(share, diverging):
        runs.append(share.shape[0])
        return np.array([len(runs) > 1, True])  # chain 0 of the first run is thrown away

    monkeypatch.setattr(posterior, "healthy_chains", first_chain_bad_once)
    draws = sample_posterior(_problem(), chains=2, warmup=30, draws=20, seed=5)
    assert runs == [2, 2]  # one re-run was enough
    assert draws.discarded_chains == 1
    assert draws.share.shape[0] == 2 * 20 and np.isfinite(draws.share).all()
    # Kept: chain 1 of the first run, then chain 0 of the re-run: different draws.
    assert not np.allclose(draws.share[:20], draws.share[20:])


@pytest.mark.parametrize("pooled", [0.0, 0.5, 0.8])
def test_pooled_curve_priors_keep_each_channels_prior_and_share_the_pooled_part(pooled):
    """Prior draws of the curves' parameters (numpyro's Predictive on the model itself) have
    the analytic moments of the construction: each channel's log half-saturation and log shape
    keep the configured median and sd whatever the pooling, and two channels' logs correlate
    by exactly the pooled share of the variance (the shared location's)."""
    from numpyro.infer import Predictive

    priors = Priors(curve_pooling=pooled)
    problem = _problem()
    problem = PosteriorProblem(**{**problem.__dict__, "priors": priors})
    model = functools.partial(posterior._model, priors=priors, bounded=False)
    draws = Predictive(model, num_samples=40_000)(jax.random.PRNGKey(0), _arrays(problem))
    for name, median, sd in (
        ("half_saturation", 0.0, priors.half_saturation_log_sd),
        ("shape", priors.shape_log_median, priors.shape_log_sd),
    ):
        logs = np.log(np.asarray(draws[name]))  # (draws, channels)
        assert np.median(logs, axis=0) == pytest.approx([median, median], abs=0.02)
        assert logs.std(axis=0) == pytest.approx([sd, sd], rel=0.02)
        assert np.corrcoef(logs.T)[0, 1] == pytest.approx(pooled, abs=0.02)


def test_curve_pooling_outside_zero_to_one_is_refused():
    with pytest.raises(ValueError, match="curve_pooling"):
        Priors(curve_pooling=1.0)


def test_samplers_and_jax_caches_are_cleared_together_every_few_runs(monkeypatch):
    """A sampler is reused for the same setting and shapes; once enough runs have compiled
    their loops, every sampler and JAX's compiled programs are dropped together (dropping
    only ours frees nothing while JAX's caches hold the programs)."""
    cleared = []
    monkeypatch.setattr(posterior, "_COMPILED", posterior._CompiledSamplers())
    monkeypatch.setattr(posterior, "SAMPLER_RUNS_BETWEEN_CLEARS", 2)
    monkeypatch.setattr(posterior, "_new_sampler", lambda *key: object())
    monkeypatch.setattr(posterior.jax, "clear_caches", lambda: cleared.append(True))
    priors = Priors()

    first = posterior._sampler(priors, False, 2, 30, 20, (("target", (256,)),))
    posterior._COMPILED.runs += 1
    assert posterior._sampler(priors, False, 2, 30, 20, (("target", (256,)),)) is first
    posterior._COMPILED.runs += 1
    assert not cleared

    again = posterior._sampler(priors, False, 2, 30, 20, (("target", (256,)),))
    assert cleared == [True] and again is not first and posterior._COMPILED.runs == 0


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="Linux memory maps")
def test_fitting_again_and_again_keeps_the_memory_maps_bounded(monkeypatch):
    """Each sampler run leaves its compiled loop (about 1 500 memory mappings) in JAX's caches,
    and Linux allows 65 530 mappings per process: a worker fitting tenant after tenant must not
    accumulate them. With a clearing every two runs, the fourth fit of the same shapes adds no
    mappings to the second's (kept, they would add about 3 000), and gives the same draws."""

    def mappings() -> int:
        return len(Path("/proc/self/maps").read_text().splitlines())

    monkeypatch.setattr(posterior, "_COMPILED", posterior._CompiledSamplers())
    monkeypatch.setattr(posterior, "SAMPLER_RUNS_BETWEEN_CLEARS", 2)
    fit = functools.partial(sample_posterior, chains=2, warmup=30, draws=20, seed=3)
    first = fit(_problem(rows=150))
    fit(_problem(rows=150))
    after_two_fits = mappings()
    fit(_problem(rows=150))
    again = fit(_problem(rows=150))

    assert mappings() < after_two_fits + 500
    np.testing.assert_allclose(again.share, first.share)


#: (low, high) in standard deviations: inside, one-sided, far in either tail, a point.
TRUNCATIONS = [(-1.0, 2.0), (0.5, 50.0), (-50.0, -3.0), (8.0, 9.5), (-12.0, -11.0), (1.3, 1.3)]


@pytest.mark.parametrize(("low", "high"), TRUNCATIONS)
def test_bounded_offsets_follow_the_truncated_normal(low, high):
    """Standard-normal offsets mapped for a bounded return have scipy's truncated normal as
    their distribution, stay inside the bounds, and keep finite gradients."""
    offsets = np.random.default_rng(7).standard_normal(20_000)
    mapped = np.asarray(_truncated_offsets(offsets, low, high))

    assert mapped.min() >= low and mapped.max() <= high
    if high > low:
        assert kstest(mapped, truncnorm(low, high).cdf).pvalue > 0.01
    gradients = jax.grad(lambda z: _truncated_offsets(z, low, high).sum())(offsets[:100])
    assert np.isfinite(np.asarray(gradients)).all()
