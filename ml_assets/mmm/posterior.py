"""The model's posterior, sampled with NUTS (numpyro).

    y_t / ybar = intercept + B_t gamma + sum_c beta_c Hill(adstock(x_c / xbar_c)_t; K_c, S_c) + e_t

with the transforms of ``transforms.py``, beta_c set by the channel's return r_c so that its
contribution over the training window is ``r_c * spend_share_c`` of the target's total (the
parameterisation and priors of ``priors.py``), lift tests as Gaussian observations of a
channel's summed contribution over the test's days, and e_t ~ Normal(0, sigma).

Sampled with the No-U-Turn Sampler (Hoffman & Gelman 2014) with a dense mass matrix: the
Hill parameters and the return of one channel are strongly correlated, and a diagonal mass
matrix needed three times the leapfrog steps. This module is the only one that imports JAX;
the rest of ``ml_assets.mmm`` sees numpy arrays of draws.

Compiling the sampler costs about 20 s of CPU, sampling a few seconds. So the data are the
compiled program's arguments (not constants in it), rows are padded to a multiple of a bucket
(``row_bucket``) with a mask, one sampler is kept per shape and setting in the process, and
compiled programs are cached on disk (``compilation_cache_dir``): the backtest, both
targets and every tenant with as many channels share one compilation, and later runs none.
"""

from __future__ import annotations

import functools
import gc
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ml_assets.mmm.memory_pool import return_freed_memory
from ml_assets.mmm.priors import Priors

# Two host devices let the two chains run in parallel on two cores; the flag only takes effect
# before JAX starts, so a process that started JAX earlier runs them one after the other.
os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=2")

import jax
import jax.numpy as jnp
import numpyro
import numpyro.distributions as dist
from numpyro.diagnostics import split_gelman_rubin
from numpyro.infer import MCMC, NUTS, init_to_median

# Sums over hundreds of days of squared residuals lose digits in float32.
jax.config.update("jax_enable_x64", True)

#: Rows are padded up to a multiple of a bucket (``row_bucket``), and baseline terms (whose
#: changepoints depend on the history's length) to a multiple of ``TERM_BUCKET``, so that
#: histories of similar length (a tenant's backtest and its full fit) share a compiled sampler.
#: The bucket grows with the rows, an eighth to a quarter of them (at least ``ROW_BUCKET``):
#: padded rows cost as much as real ones in every step, and a fixed bucket of 128 more than
#: doubled the work of a year of weeks (52 rows) and added a third to 200 weeks.
ROW_BUCKET = 8
TERM_BUCKET = 8
#: A chain is discarded when more than this share of its transitions diverged, or when it
#: never moved (every draw the same point: it stuck where every proposal diverged, e.g. a
#: decay at the edge of its range); the sampler then runs again from another key, at most
#: ``MAX_SAMPLER_RUNS`` times, until it has as many good chains as asked.
MAX_DIVERGING_SHARE = 0.5
MAX_SAMPLER_RUNS = 3


def release_compiled_programs() -> None:
    """Drop the programs JAX compiled and the traces it keeps for them, and give the memory
    back to the system.

    A tenant's samplers are compiled for its data's shapes; kept, they stay resident after its
    run, so a worker that runs tenant after tenant grew from 1.2 GB to 2.2 GB in six of them
    (two-year, three-channel stores, 2026-11-29). Dropped and trimmed after each tenant, a
    worker's resident memory falls back to about 0.4 GB, and its peak is one tenant's (1.6 GB
    in six). The next tenant loads its samplers from the compilation cache on disk again
    (its backtest and full fit still share theirs)."""
    gc.collect()  # a fitted model's closures refer to the programs through reference cycles
    jax.clear_caches()
    return_freed_memory()


#: Keys of the re-runs: the fit's seed plus multiples of this (same seed, same draws).
RERUN_SEED_STEP = 7919


def compilation_cache_dir() -> Path:
    """Where compiled samplers are kept between processes ($CEREBRO_JAX_CACHE, or the user's
    cache folder)."""
    configured = os.environ.get("CEREBRO_JAX_CACHE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "cerebro" / "jax"


jax.config.update("jax_compilation_cache_dir", str(compilation_cache_dir()))
jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)


@dataclass(frozen=True)
class LiftObservation:
    """A lift test on scaled data: channel index, the rows it covers, lift and its error."""

    channel: int
    rows: np.ndarray  # bool over the training rows
    lift: float
    standard_error: float


@dataclass(frozen=True)
class PosteriorProblem:
    """Everything the sampler needs, already scaled (see ``priors.py``)."""

    baseline: np.ndarray  # (rows, terms) baseline columns, the intercept's included
    baseline_prior_mean: np.ndarray  # (terms,) normal prior per column
    baseline_prior_sd: np.ndarray  # (terms,)
    lagged_spend: np.ndarray  # (channels, lags + 1, rows): spend / mean spend, lagged
    spend_share: np.ndarray  # (channels,) share of all paid spend over the window
    target: np.ndarray  # (rows,) target / its mean
    priors: Priors
    lifts: list[LiftObservation] = field(default_factory=list)
    share_low: np.ndarray | None = None  # (channels,) bounds on r, or None
    share_high: np.ndarray | None = None
    #: (terms,) bool: columns whose coefficient cannot be negative (demand signals such as
    #: organic search clicks: more of them never lowers the target). Their prior is the
    #: half-normal of the column's sd; they are sampled, the other columns integrated out.
    positive: np.ndarray | None = None
    #: Days per row: the decay's prior is about carry-over in days (``Priors.decay_prior``).
    period_days: int = 1

    def positive_columns(self) -> np.ndarray:
        """(terms,) bool: ``positive``, or no column."""
        if self.positive is None:
            return np.zeros(self.baseline.shape[1], dtype=bool)
        return np.asarray(self.positive, dtype=bool)


@dataclass(frozen=True)
class PosteriorDraws:
    """Posterior draws (chains concatenated) and the sampler's diagnostics."""

    intercept: np.ndarray  # (draws,)
    baseline: np.ndarray  # (draws, terms)
    decay: np.ndarray  # (draws, channels)
    half_saturation: np.ndarray  # (draws, channels), relative to mean spend
    shape: np.ndarray  # (draws, channels)
    share: np.ndarray  # (draws, channels): r_c
    beta: np.ndarray  # (draws, channels): scaled target per period at saturation
    sigma: np.ndarray  # (draws,)
    divergences: int
    mean_tree_steps: float
    max_rhat: float
    #: Chains thrown away as stuck or diverging (``healthy_chains``) before enough were good.
    discarded_chains: int = 0


def _adstock(lagged: jnp.ndarray, decay: jnp.ndarray) -> jnp.ndarray:
    """Normalised geometric adstock (transforms.py, eqs. 1-2) on pre-lagged spend."""
    lags = jnp.arange(lagged.shape[1])
    weights = decay[:, None] ** lags[None, :]
    weights = weights / weights.sum(axis=1, keepdims=True)
    return jnp.einsum("cl,clt->ct", weights, lagged)


def _hill(carried: jnp.ndarray, half: jnp.ndarray, shape: jnp.ndarray) -> jnp.ndarray:
    """Hill saturation (transforms.py, eq. 4) as a logistic in log spend; 0 where no spend."""
    log_ratio = jnp.log(jnp.clip(carried, 1e-12)) - jnp.log(half)[:, None]
    return jnp.where(carried > 0, jax.nn.sigmoid(shape[:, None] * log_ratio), 0.0)


def _media(arrays, decay, half, shape, share):
    """Per-channel contribution per row and beta, from the return parameterisation; padded
    rows contribute nothing."""
    levels = _hill(_adstock(arrays["lagged"], decay), half, shape) * arrays["mask"]
    beta = share * arrays["spend_share"] * arrays["rows"] / jnp.clip(levels.sum(axis=1), 1e-12)
    return beta[:, None] * levels, beta


def _collapsed_log_likelihood(arrays, residual, sigma):
    """log N(residual; 0, sigma^2 I + B Lambda B') with the baseline coefficients integrated
    out (Woodbury identity and the matrix determinant lemma; Rasmussen & Williams 2006,
    "Gaussian Processes for Machine Learning", A.9 and 2.7): the sampler then moves only the
    media parameters and the noise, and the baseline's strong correlation with always-on
    spend no longer slows it down.

    With Lambda^(1/2) B'B Lambda^(1/2) = Q D Q' computed once (``_arrays``), the precision
    B'B / sigma^2 + Lambda^-1 is diagonal in the basis Q' Lambda^(1/2) for every sigma, so
    a step needs no factorisation: with z = Q' Lambda^(1/2) B' e ("rotated"),
    e' (sigma^2 I + B Lambda B')^-1 e = (e'e - sum z^2 / (d + sigma^2)) / sigma^2 and
    log det(sigma^2 I + B Lambda B') = sum log(1 + d / sigma^2) + rows log sigma^2."""
    rows = arrays["rows"]  # padded rows have a zero residual and a zero design row
    variance = sigma**2
    eigenvalues = arrays["eigenvalues"]
    rotated = arrays["rotated"] @ residual
    quadratic = (residual @ residual - jnp.sum(rotated**2 / (eigenvalues + variance))) / variance
    log_det = jnp.sum(jnp.log1p(eigenvalues / variance)) + rows * jnp.log(variance)
    return -0.5 * (quadratic + log_det + rows * jnp.log(2.0 * jnp.pi))


def _pooled_positive(name, log_median, log_sd, pooled, channels):
    """A positive parameter per channel, log-normal around a location its channels share
    (``priors.curve_pooling``): ``pooled`` of the prior log-variance is the location's, the rest
    the channels' spread around it. The spread is half-normal, whose second moment is its
    scale squared, so each channel's prior log-variance stays ``log_sd**2`` whatever ``pooled``
    is. Non-centred (location + spread * offset): a centred hierarchy makes the funnel NUTS
    cannot enter when the spread is small."""
    if pooled <= 0:
        return numpyro.sample(name, dist.LogNormal(log_median, log_sd).expand([channels]))
    location = numpyro.sample(f"{name}_location", dist.Normal(log_median, log_sd * pooled**0.5))
    spread = numpyro.sample(f"{name}_spread", dist.HalfNormal(log_sd * (1 - pooled) ** 0.5))
    offsets = numpyro.sample(f"{name}_offset", dist.Normal(0.0, 1.0).expand([channels]))
    return numpyro.deterministic(name, jnp.exp(location + spread * offsets))


#: How far in standard deviations the truncation is computed: the normal's tail beyond it
#: (below 1e-300) is no longer a float.
TAIL_LIMIT = 37.0
#: An unbounded side of a return's bounds, in log: beyond any TAIL_LIMIT, and finite, so that
#: no gradient through the truncation is infinite (JAX would turn inf * 0 into NaN).
UNBOUNDED_LOG = 1e3


def _truncated_offsets(offsets, low, high):
    """Standard-normal ``offsets`` mapped onto the normal truncated to [``low``, ``high``] (in
    standard deviations) by its inverse distribution function: a channel's bounded return then
    has the hierarchy's prior cut to the bounds, and every draw lies inside them by
    construction. A penalty outside the bounds instead (as before) made walls so steep that
    most transitions diverged and the sampler ran three times (issue 51). The interval is
    mirrored into the lower tail, where the normal's distribution function keeps its
    precision."""
    mirror = low + high > 0
    lower = jnp.clip(jnp.where(mirror, -high, low), -TAIL_LIMIT, TAIL_LIMIT)
    upper = jnp.clip(jnp.where(mirror, -low, high), -TAIL_LIMIT, TAIL_LIMIT)
    below, above = jax.scipy.special.ndtr(lower), jax.scipy.special.ndtr(upper)
    level = jax.scipy.special.ndtr(jnp.where(mirror, -offsets, offsets))
    mapped = jnp.clip(jax.scipy.special.ndtri(below + level * (above - below)), lower, upper)
    return jnp.where(mirror, -mapped, mapped)


def _model(arrays: dict, *, priors: Priors, bounded: bool):
    channels = arrays["spend_share"].shape[0]
    decay_alpha, decay_beta = arrays["decay_prior"]
    decay = numpyro.sample("decay", dist.Beta(decay_alpha, decay_beta).expand([channels]))
    half = _pooled_positive(
        "half_saturation", 0.0, priors.half_saturation_log_sd, priors.curve_pooling, channels
    )
    shape = _pooled_positive(
        "shape", priors.shape_log_median, priors.shape_log_sd, priors.curve_pooling, channels
    )
    # The portfolio's location is on the share scale: r_c's average, weighted by spend,
    # is the media share of the target.
    location = numpyro.sample(
        "share_location", dist.Normal(priors.share_location(), priors.media_share_log_sd)
    )
    spread = numpyro.sample("share_spread", dist.HalfNormal(priors.channel_spread))
    offsets = numpyro.sample("share_offset", dist.Normal(0.0, 1.0).expand([channels]))
    if bounded:
        offsets = jnp.where(
            arrays["share_bounded"],
            _truncated_offsets(
                offsets,
                (arrays["share_log_low"] - location) / spread,
                (arrays["share_log_high"] - location) / spread,
            ),
            offsets,
        )
    log_share = location + spread * offsets
    if bounded:
        # Where the whole interval lies beyond TAIL_LIMIT standard deviations (a portfolio
        # location far outside a channel's bounds), the truncation's clip leaves the draw
        # outside them; the truncated normal's mass is then at the near bound.
        log_share = jnp.where(
            arrays["share_bounded"],
            jnp.clip(log_share, arrays["share_log_low"], arrays["share_log_high"]),
            log_share,
        )
    share = numpyro.deterministic("share", jnp.exp(log_share))
    contribution, beta = _media(arrays, decay, half, shape, share)
    numpyro.deterministic("beta", beta)
    media = numpyro.deterministic("media", contribution.sum(axis=0))
    sigma = numpyro.sample("sigma", dist.HalfNormal(priors.noise_sd))
    residual = arrays["target"] - arrays["prior_mean_fit"] - media
    if "positive_design" in arrays:
        coefficient = numpyro.sample("positive_coefficient", dist.HalfNormal(arrays["positive_sd"]))
        residual = residual - coefficient @ arrays["positive_design"]
    numpyro.factor("target", _collapsed_log_likelihood(arrays, residual, sigma))
    if "lift_rows" in arrays:
        observed = jnp.sum(arrays["lift_rows"] * contribution[arrays["lift_channel"]], axis=1)
        numpyro.sample(
            "lifts", dist.Normal(observed, arrays["lift_error"]), obs=arrays["lift_value"]
        )


def _padded(values: np.ndarray, rows: int) -> np.ndarray:
    """``values`` with zeros appended along the last axis up to ``rows``."""
    extra = rows - values.shape[-1]
    return np.pad(values, [(0, 0)] * (values.ndim - 1) + [(0, extra)])


def _rotated_baseline(baseline_t: np.ndarray, prior_var: np.ndarray) -> dict:
    """The eigenbasis of the collapsed likelihood (``_collapsed_log_likelihood``): the
    eigenvalues d of Lambda^(1/2) B'B Lambda^(1/2) and the rows of Q' Lambda^(1/2) B'."""
    scaled = baseline_t * np.sqrt(prior_var)[:, None]  # Lambda^(1/2) B'
    eigenvalues, vectors = np.linalg.eigh(scaled @ scaled.T)
    return {"eigenvalues": np.clip(eigenvalues, 0.0, None), "rotated": vectors.T @ scaled}


def row_bucket(rows: int) -> int:
    """The multiple ``rows`` are padded to: the power of two an eighth to a quarter of them,
    at least ``ROW_BUCKET`` (52 weekly rows: 8, so 56; 200: 32, so 224; 730 daily: 128)."""
    return max(ROW_BUCKET, 2 ** (max(rows, 1).bit_length() - 3))


def _arrays(problem: PosteriorProblem) -> dict:
    """The sampler's arguments: the problem padded to a multiple of ``row_bucket`` rows."""
    positive = problem.positive_columns()
    free = problem.baseline[:, ~positive]
    rows, terms = free.shape
    bucket = row_bucket(rows)
    padded = -(-rows // bucket) * bucket
    # A padded term is an all-zero column with a unit prior: it adds log(1) to the collapsed
    # likelihood's determinant terms, and nothing else.
    padded_terms = -(-terms // TERM_BUCKET) * TERM_BUCKET
    baseline = _padded(_padded(free.T, padded).T, padded_terms).T
    free_sd = problem.baseline_prior_sd[~positive]
    prior_var = _padded(free_sd[None, :] ** 2 - 1.0, padded_terms)[0] + 1.0
    arrays = {
        "rows": np.float64(rows),
        "mask": _padded(np.ones(rows), padded),
        **_rotated_baseline(baseline, prior_var),
        "prior_mean_fit": _padded(free @ problem.baseline_prior_mean[~positive], padded),
        "lagged": _padded(problem.lagged_spend, padded),
        "spend_share": problem.spend_share,
        "decay_prior": np.array(problem.priors.decay_prior(problem.period_days)),
        "target": _padded(problem.target, padded),
    }
    if positive.any():
        arrays["positive_design"] = _padded(problem.baseline[:, positive].T, padded)
        arrays["positive_sd"] = problem.baseline_prior_sd[positive]
    if problem.share_low is not None:
        low, high = problem.share_low, problem.share_high  # 0 and inf: an unbounded side
        with np.errstate(divide="ignore"):
            arrays["share_log_low"] = np.where(low > 0, np.log(low), -UNBOUNDED_LOG)
        arrays["share_log_high"] = np.where(np.isfinite(high), np.log(high), UNBOUNDED_LOG)
        arrays["share_bounded"] = (low > 0) | np.isfinite(high)
    if problem.lifts:
        arrays["lift_channel"] = np.array([lift.channel for lift in problem.lifts])
        rows_covered = np.array([lift.rows for lift in problem.lifts], dtype=float)
        arrays["lift_rows"] = _padded(rows_covered, padded)
        arrays["lift_value"] = np.array([lift.lift for lift in problem.lifts])
        arrays["lift_error"] = np.array([lift.standard_error for lift in problem.lifts])
    return {name: jnp.asarray(value) for name, value in arrays.items()}


#: Sampler runs between two clearings of the process's compiled programs. Each run compiles
#: numpyro's sampling loop again (a new closure per chain, even on a reused sampler), and JAX
#: keeps every compiled loop until its caches are cleared: about 1 500 memory mappings and
#: 95 MB per run. A worker fitting tenant after tenant reached Linux's 65 530 mappings per
#: process after some twenty tenants and died ("LLVM ERROR: Unable to allocate section
#: memory", with gigabytes free), taking the pool's other tenants with it. After a clearing
#: the next run compiles its small operations again (about 2 s).
SAMPLER_RUNS_BETWEEN_CLEARS = 6


@dataclass
class _CompiledSamplers:
    """The process's samplers by setting and argument shapes, and the runs since JAX's
    caches were last cleared."""

    samplers: dict[tuple, MCMC] = field(default_factory=dict)
    runs: int = 0


_COMPILED = _CompiledSamplers()


def _sampler(priors: Priors, bounded: bool, chains: int, warmup: int, draws: int, shapes):
    """One MCMC object per setting and argument shapes: numpyro reuses the model's traced
    program when it runs again on arguments of the same shapes (``jit_model_args``). Every
    ``SAMPLER_RUNS_BETWEEN_CLEARS`` runs, the samplers and JAX's caches are dropped together
    (dropping only ours frees nothing while JAX's caches hold the programs)."""
    if _COMPILED.runs >= SAMPLER_RUNS_BETWEEN_CLEARS:
        _COMPILED.samplers.clear()
        _COMPILED.runs = 0
        jax.clear_caches()
    key = (priors, bounded, chains, warmup, draws, shapes)
    if key not in _COMPILED.samplers:
        _COMPILED.samplers[key] = _new_sampler(priors, bounded, chains, warmup, draws)
    return _COMPILED.samplers[key]


def _new_sampler(priors: Priors, bounded: bool, chains: int, warmup: int, draws: int) -> MCMC:
    kernel = NUTS(
        functools.partial(_model, priors=priors, bounded=bounded),
        init_strategy=init_to_median(num_samples=15), target_accept_prob=0.85, dense_mass=True,
    )  # fmt: skip
    # Chains run one after the other: numpyro's parallel chains (pmap) trace the data into the
    # program, so every fit compiled again; sequential chains reuse the compiled sampler.
    return MCMC(
        kernel, num_warmup=warmup, num_samples=draws, num_chains=chains,
        chain_method="sequential", progress_bar=False, jit_model_args=True,
    )  # fmt: skip


def sample_posterior(
    problem: PosteriorProblem,
    *,
    chains: int = 2,
    warmup: int = 200,
    draws: int = 200,
    seed: int = 0,
) -> PosteriorDraws:
    """NUTS draws of every parameter; same problem and seed give the same draws.

    The baseline coefficients are drawn afterwards, per draw, from their Gaussian conditional
    posterior (they were integrated out while sampling).
    """
    arrays = _arrays(problem)
    shapes = tuple(sorted((name, value.shape) for name, value in arrays.items()))
    bounded = problem.share_low is not None
    mcmc = _sampler(problem.priors, bounded, chains, warmup, draws, shapes)
    picked = []  # per run: its samples and extra fields, and the good chains taken from it
    taken = discarded = 0
    for run in range(MAX_SAMPLER_RUNS):
        key = jax.random.PRNGKey(seed + run * RERUN_SEED_STEP)
        mcmc.run(key, arrays, extra_fields=("num_steps", "diverging"))
        _COMPILED.runs += 1
        samples = {k: np.asarray(v) for k, v in mcmc.get_samples(group_by_chain=True).items()}
        fields = {k: np.asarray(v) for k, v in mcmc.get_extra_fields(group_by_chain=True).items()}
        healthy = healthy_chains(samples["share"], fields["diverging"])
        good = np.flatnonzero(healthy)[: chains - taken]
        picked.append((samples, fields, good))
        taken += len(good)
        discarded += int((~healthy).sum())
        if taken == chains:
            break
    if taken == 0:  # nothing better to offer: the last run as it is, flagged by its diagnostics
        picked = [(samples, fields, np.arange(chains))]
        discarded -= chains
    grouped = {n: np.concatenate([s[n][good] for s, _, good in picked]) for n in samples}
    extra = {n: np.concatenate([f[n][good] for _, f, good in picked]) for n in fields}
    rows = problem.target.shape[0]
    flat = {name: value.reshape(-1, *value.shape[2:]) for name, value in grouped.items()}
    flat["media"] = flat["media"][:, :rows]
    rhat = max(
        float(np.nanmax(split_gelman_rubin(grouped[name])))
        for name in ("share", "decay", "half_saturation", "shape", "sigma")
    ) if len(grouped["share"]) > 1 and draws >= 4 else float("nan")  # fmt: skip
    coefficients = _baseline_draws(
        problem, flat["media"], flat["sigma"], seed, flat.get("positive_coefficient")
    )
    return PosteriorDraws(
        intercept=coefficients[:, 0],
        baseline=coefficients[:, 1:],
        decay=flat["decay"],
        half_saturation=flat["half_saturation"],
        shape=flat["shape"],
        share=flat["share"],
        beta=flat["beta"],
        sigma=flat["sigma"],
        divergences=int(extra["diverging"].sum()),
        mean_tree_steps=float(extra["num_steps"].mean()),
        max_rhat=rhat,
        discarded_chains=discarded,
    )


def healthy_chains(share: np.ndarray, diverging: np.ndarray) -> np.ndarray:
    """Per chain (``share``: chains x draws x channels, ``diverging``: chains x draws), whether
    it explored: it moved at all, and at most ``MAX_DIVERGING_SHARE`` of its transitions
    diverged."""
    moved = np.ptp(share, axis=1).max(axis=1) > 0
    return moved & (diverging.mean(axis=1) <= MAX_DIVERGING_SHARE)


def _baseline_draws(
    problem: PosteriorProblem,
    media: np.ndarray,
    sigma: np.ndarray,
    seed: int,
    positive_coefficients: np.ndarray | None = None,
) -> np.ndarray:
    """(draws, terms): the positive columns' sampled coefficients (``positive_coefficients``,
    draws x positive columns), and one draw of the other baseline coefficients per posterior
    draw from N(mu0 + A^-1 B'e / sigma^2, A^-1) with A = B'B / sigma^2 + Lambda^-1 and e the
    target minus the prior mean, the draw's media and its positive columns' part (the
    conjugate normal update)."""
    rng = np.random.default_rng(seed)
    positive = problem.positive_columns()
    baseline, prior_mean = problem.baseline[:, ~positive], problem.baseline_prior_mean[~positive]
    inverse_prior = np.diag(1.0 / problem.baseline_prior_sd[~positive] ** 2)
    gram = baseline.T @ baseline
    residuals = problem.target[None, :] - (baseline @ prior_mean)[None, :] - media
    coefficients = np.empty((len(sigma), len(positive)))
    if positive.any():
        residuals = residuals - positive_coefficients @ problem.baseline[:, positive].T
        coefficients[:, positive] = positive_coefficients
    out = np.empty((len(sigma), baseline.shape[1]))
    for d, (residual, noise) in enumerate(zip(residuals, sigma, strict=True)):
        precision = gram / noise**2 + inverse_prior
        factor = np.linalg.cholesky(precision)
        mean = np.linalg.solve(precision, baseline.T @ residual / noise**2)
        # x = L^-T z has covariance (L L')^-1 = A^-1.
        jitter = np.linalg.solve(factor.T, rng.standard_normal(len(mean)))
        out[d] = prior_mean + mean + jitter
    coefficients[:, ~positive] = out
    return coefficients
