"""Media hyperparameter search: a grid per channel, coordinate-wise, scored out of sample.

Every channel has a grid of (adstock decay [, delay], Hill half-saturation, Hill shape)
candidates. Their transformed spends are computed once and stacked; each fold of a
rolling-origin time-series cross-validation (Hyndman & Athanasopoulos, "Forecasting:
Principles and Practice", 3rd ed., 5.10) factorizes its baseline once. A search step then
tries every candidate of one channel with the others fixed, refitting all media coefficients
jointly (``linear.box_qp``) in a single vectorized pass, and keeps the candidate with the
lowest validation error. Steps cycle over the channels until nothing changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ml_assets.mmm.linear import RidgeBaseline, box_qp, box_qp_exact, quadratic_value
from ml_assets.mmm.transforms import adstock, hill


@dataclass(frozen=True)
class ChannelGrid:
    """Candidate hyperparameters of one channel (parallel arrays)."""

    decay: np.ndarray
    delay: np.ndarray
    half_saturation: np.ndarray  # in spend units per period
    shape: np.ndarray

    def __len__(self) -> int:
        return len(self.decay)

    @classmethod
    def build(
        cls,
        mean_spend: float,
        decays: tuple[float, ...],
        delays: tuple[float, ...],
        saturation_ratios: tuple[float, ...],
        shapes: tuple[float, ...],
    ) -> ChannelGrid:
        """The full grid; half-saturation points are ratios of the channel's mean spend."""
        mesh = np.meshgrid(decays, delays, saturation_ratios, shapes, indexing="ij")
        decay, delay, ratio, shape = (axis.ravel() for axis in mesh)
        return cls(decay, delay, ratio * mean_spend, shape)


def transform_candidates(
    spend: np.ndarray, grid: ChannelGrid, kind: str, max_lag: int
) -> np.ndarray:
    """Hill(adstock(spend)) for every candidate: (candidates, periods)."""
    out = np.empty((len(grid), len(spend)))
    carried = {}
    for i in range(len(grid)):
        key = (grid.decay[i], grid.delay[i])
        if key not in carried:
            carried[key] = adstock(spend, kind, grid.decay[i], max_lag, grid.delay[i])
        out[i] = hill(carried[key], grid.half_saturation[i], grid.shape[i])
    return out


@dataclass
class Fold:
    """One training window (rows [0, train_end)) and, unless in-sample, its validation rows."""

    train_end: int
    validation_end: int | None
    baseline: RidgeBaseline
    projected: np.ndarray  # Q_n' Z_train': (p, candidates)
    gram_diagonal: np.ndarray  # projected squared norm of every candidate column
    deviations: np.ndarray | None  # Z_val - A Z_train: (candidates, validation rows)
    predictor: np.ndarray | None  # A: (validation rows, train rows)

    @classmethod
    def build(
        cls,
        candidates: np.ndarray,
        design: np.ndarray,
        penalties: np.ndarray,
        train_end: int,
        validation_end: int | None,
    ) -> Fold:
        baseline = RidgeBaseline.factorize(design[:train_end], penalties)
        train = candidates[:, :train_end]
        projected = baseline.project(train.T)
        diagonal = np.einsum("ij,ij->i", train, train) - np.einsum("ij,ij->j", projected, projected)
        deviations = predictor = None
        if validation_end is not None:
            predictor = baseline.predictor(design[train_end:validation_end])
            deviations = candidates[:, train_end:validation_end] - train @ predictor.T
        return cls(train_end, validation_end, baseline, projected, diagonal, deviations, predictor)


@dataclass
class FoldTarget:
    """The target-dependent pieces of a fold (recomputed for every bootstrap replicate)."""

    linear: np.ndarray  # b for every candidate
    constant: float  # c
    validation_error: np.ndarray | None  # y_val - A y_train

    @classmethod
    def build(cls, fold: Fold, candidates: np.ndarray, y: np.ndarray) -> FoldTarget:
        train_y = y[: fold.train_end]
        qy = fold.baseline.project(train_y)
        linear = candidates[:, : fold.train_end] @ train_y - fold.projected.T @ qy
        constant = float(train_y @ train_y - qy @ qy)
        error = None
        if fold.predictor is not None:
            error = y[fold.train_end : fold.validation_end] - fold.predictor @ train_y
        return cls(linear, constant, error)


@dataclass(frozen=True)
class LiftConstraint:
    """A lift test as a Gaussian observation of one channel's summed contribution."""

    channel: int
    totals: np.ndarray  # per candidate: sum of the transformed spend over the test's rows
    lift: float  # in scaled target units
    weight: float  # (residual sd / lift standard error)**2


@dataclass
class SearchProblem:
    """Everything the search needs, built once per target."""

    candidates: np.ndarray  # stacked candidate columns: (all candidates, periods)
    offsets: np.ndarray  # channel c owns candidates [offsets[c], offsets[c + 1])
    lower: np.ndarray  # per candidate bound on its coefficient
    upper: np.ndarray
    folds: list[Fold]
    lifts: list[LiftConstraint] = field(default_factory=list)

    @property
    def n_channels(self) -> int:
        return len(self.offsets) - 1

    def channel_slice(self, channel: int) -> slice:
        return slice(self.offsets[channel], self.offsets[channel + 1])


def _step(
    problem: SearchProblem,
    targets: list[FoldTarget],
    current: np.ndarray,
    channel: int,
    out_of_sample: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Score every candidate of ``channel`` with the others at ``current``; also their betas."""
    own = problem.channel_slice(channel)  # a slice, so candidate blocks are views, not copies
    n_own, n_channels = own.stop - own.start, problem.n_channels
    # Column indices of the candidate design per own candidate: (n_own, n_channels).
    index = np.tile(current, (n_own, 1))
    index[:, channel] = np.arange(own.start, own.stop)
    lower, upper = problem.lower[index], problem.upper[index]
    scores = np.zeros(n_own)
    start = None
    for fold, target in zip(problem.folds, targets, strict=True):
        train = problem.candidates[:, : fold.train_end]
        others = train[current]
        projected_current = fold.projected[:, current]
        cross_current = others @ others.T - projected_current.T @ projected_current
        cross_own = train[own] @ others.T - fold.projected[:, own].T @ projected_current
        gram = np.broadcast_to(cross_current, (n_own, n_channels, n_channels)).copy()
        gram[:, channel, :] = cross_own
        gram[:, :, channel] = cross_own
        gram[:, channel, channel] = fold.gram_diagonal[own]
        linear = target.linear[index]
        constant = np.full(n_own, target.constant)
        for lift in problem.lifts:
            totals = lift.totals[index[:, lift.channel]]
            gram[:, lift.channel, lift.channel] += lift.weight * totals**2
            linear[:, lift.channel] += lift.weight * lift.lift * totals
            constant += lift.weight * lift.lift**2
        beta = box_qp(gram, linear, lower, upper, start, max_sweeps=200, tolerance=1e-7)
        start = beta
        if out_of_sample and fold.deviations is not None:
            others_beta = np.delete(beta, channel, axis=1)
            others_index = np.delete(current, channel)
            residual = (
                target.validation_error[None, :]
                - others_beta @ fold.deviations[others_index]
                - beta[:, channel : channel + 1] * fold.deviations[own]
            )
            scores += np.einsum("ch,ch->c", residual, residual)
        else:
            scores += quadratic_value(gram, linear, constant, beta)
    return scores, start


def coordinate_search(
    problem: SearchProblem,
    y: np.ndarray,
    start: np.ndarray,
    *,
    max_rounds: int = 3,
) -> tuple[np.ndarray, float]:
    """Cycle over channels, moving each to its best candidate, until a round changes nothing.

    ``start`` holds one global candidate index per channel. Returns the chosen indices and
    their score (summed validation squared error, or in-sample when no fold validates).
    """
    targets = [FoldTarget.build(fold, problem.candidates, y) for fold in problem.folds]
    out_of_sample = any(fold.deviations is not None for fold in problem.folds)
    current = np.array(start, dtype=int)
    best_score = np.inf
    for _ in range(max_rounds):
        changed = False
        for channel in range(problem.n_channels):
            scores, _ = _step(problem, targets, current, channel, out_of_sample)
            choice = int(np.argmin(scores))
            chosen = problem.offsets[channel] + choice
            if chosen != current[channel] and scores[choice] < best_score - 1e-12:
                current[channel] = chosen
                changed = True
            best_score = min(best_score, float(scores[choice]))
        if not changed:
            break
    return current, best_score


def joint_system(
    problem: SearchProblem,
    fold: Fold,
    target: FoldTarget,
    chosen: np.ndarray,
    *,
    with_lifts: bool = True,
) -> tuple[np.ndarray, np.ndarray, float]:
    """G, b and c of the profiled least squares for one set of chosen candidates."""
    columns = problem.candidates[chosen, : fold.train_end]
    projected = fold.projected[:, chosen]
    gram = columns @ columns.T - projected.T @ projected
    linear = target.linear[chosen].copy()
    constant = target.constant
    if with_lifts:
        for lift in problem.lifts:
            total = lift.totals[chosen[lift.channel]]
            gram[lift.channel, lift.channel] += lift.weight * total**2
            linear[lift.channel] += lift.weight * lift.lift * total
            constant += lift.weight * lift.lift**2
    return gram, linear, constant


def fit_coefficients(
    problem: SearchProblem, fold: Fold, target: FoldTarget, chosen: np.ndarray
) -> np.ndarray:
    """The media coefficients (scaled target units) for the chosen candidates, to convergence."""
    gram, linear, _ = joint_system(problem, fold, target, chosen)
    return box_qp_exact(gram, linear, problem.lower[chosen], problem.upper[chosen])
