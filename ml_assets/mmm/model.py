"""The marketing-mix model as an estimator with scikit-learn's contract.

    target_t = baseline_t + sum_c beta_c * Hill(adstock(spend_c)_t; K_c, S_c) + noise_t

(Jin et al. 2017, section 2.3, with the transforms of ``transforms.py`` and the baseline of
``baseline.py``), beta_c >= 0 (or boxed by ROI bounds), hyperparameters per channel chosen
by time-series cross-validation (``search.py``), calibrated by lift tests, with a block
bootstrap for uncertainty (``bootstrap.py``).

``__init__`` only stores hyperparameters; ``fit`` validates and returns ``self``; fitted
attributes end in ``_``; no training rows are kept (curves keep sorted spend *profiles*).
"""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd

from ml_assets.mmm.baseline import BaselineDesign
from ml_assets.mmm.bootstrap import bootstrap_replicates
from ml_assets.mmm.curves import ChannelResponse, SpendProfile
from ml_assets.mmm.identification import identification_statistics
from ml_assets.mmm.search import (
    ChannelGrid,
    Fold,
    FoldTarget,
    LiftConstraint,
    SearchProblem,
    coordinate_search,
    fit_coefficients,
    joint_system,
    transform_candidates,
)
from ml_assets.mmm.threads import single_blas_thread
from ml_assets.mmm.transforms import ADSTOCK_KINDS, GEOMETRIC, adstock, hill

MODEL_VERSION = "cerebro-mmm-1"


class NotFittedError(RuntimeError):
    """The model was used before ``fit``."""


class MarketingMixModel:
    """Marketing-mix model: baseline + saturating, carried-over media effects.

    ``X`` is a DataFrame indexed by consecutive periods (a DatetimeIndex with one row per day,
    or per week when ``period_days=7``) holding the spend columns ``channels``, and optionally
    ``controls`` (e.g. organic search clicks) and ``events`` (0/1 calendar columns).
    Lift tests are dicts ``{"channel", "start", "end", "lift", "standard_error"}`` (lift in
    target units summed over the inclusive date range); ROI bounds map a channel to
    ``(low, high)`` target units per unit of spend.
    """

    def __init__(
        self,
        channels,
        *,
        controls=(),
        events=(),
        period_days: int = 1,
        adstock: str = GEOMETRIC,
        max_lag: int | None = None,
        decays=(0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9),
        delays=(0.0,),
        saturation_ratios=(0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0),
        shapes=(0.8, 1.2, 1.6, 2.0, 2.8),
        cv_folds: int = 4,
        cv_horizon: int | None = None,
        n_bootstrap: int = 100,
        interval: float = 0.9,
        block_length: int | None = None,
        trend_penalty: float = 1.0,
        seasonality_penalty: float = 1.0,
        yearly_seasonality="auto",
        yearly_order: int = 3,
        changepoint_spacing_days: int = 91,
        lift_tests=None,
        roi_bounds=None,
        current_window_days: int = 28,
        seed: int = 0,
    ):
        self.channels = channels
        self.controls = controls
        self.events = events
        self.period_days = period_days
        self.adstock = adstock
        self.max_lag = max_lag
        self.decays = decays
        self.delays = delays
        self.saturation_ratios = saturation_ratios
        self.shapes = shapes
        self.cv_folds = cv_folds
        self.cv_horizon = cv_horizon
        self.n_bootstrap = n_bootstrap
        self.interval = interval
        self.block_length = block_length
        self.trend_penalty = trend_penalty
        self.seasonality_penalty = seasonality_penalty
        self.yearly_seasonality = yearly_seasonality
        self.yearly_order = yearly_order
        self.changepoint_spacing_days = changepoint_spacing_days
        self.lift_tests = lift_tests
        self.roi_bounds = roi_bounds
        self.current_window_days = current_window_days
        self.seed = seed

    # scikit-learn's parameter protocol ---------------------------------------------------

    def get_params(self, deep: bool = True) -> dict:
        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return {name: getattr(self, name) for name in names}

    def set_params(self, **params) -> MarketingMixModel:
        for name, value in params.items():
            if name not in self.get_params():
                raise ValueError(f"unknown parameter {name!r}")
            setattr(self, name, value)
        return self

    # Derived settings ----------------------------------------------------------------------

    @property
    def lag(self) -> int:
        return self.max_lag if self.max_lag is not None else (13 if self.period_days == 1 else 8)

    def _horizon(self) -> int:
        return self.cv_horizon or (28 if self.period_days == 1 else 8)

    def _block(self) -> int:
        return self.block_length or (14 if self.period_days == 1 else 4)

    def required_periods(self, X: pd.DataFrame) -> dict:
        """Rows ``fit`` needs for data like ``X``: to fit the parameters, and to validate."""
        design = BaselineDesign.for_data(
            _dates(X),
            period_days=self.period_days,
            events=list(self.events),
            controls=X[list(self.controls)],
            yearly_seasonality=self.yearly_seasonality,
            yearly_order=self.yearly_order,
            changepoint_spacing_days=self.changepoint_spacing_days,
            trend_penalty=self.trend_penalty,
            seasonality_penalty=self.seasonality_penalty,
        )
        terms = len(design.column_names())
        fit = minimum_training_periods(terms, len(self.channels), self.period_days)
        return {"fit": fit, "validate": self._horizon(), "baseline_terms": terms}

    # Fitting -----------------------------------------------------------------------------

    def fit(self, X: pd.DataFrame, y) -> MarketingMixModel:
        """Search hyperparameters, fit coefficients, bootstrap; returns ``self``."""
        with single_blas_thread():
            return self._fit(X, y)

    def _fit(self, X: pd.DataFrame, y) -> MarketingMixModel:
        channels = list(self.channels)
        if self.adstock not in ADSTOCK_KINDS:
            raise ValueError(f"adstock must be one of {ADSTOCK_KINDS}, got {self.adstock!r}")
        if not channels:
            raise ValueError("at least one spend channel is needed")
        dates = _dates(X)
        target = np.asarray(y, dtype=float)
        if len(target) != len(X) or not np.all(np.isfinite(target)):
            raise ValueError("y must be finite and have one value per row of X")
        spend = X[channels].to_numpy(dtype=float).T
        if np.any(spend < 0) or not np.all(np.isfinite(spend)):
            raise ValueError("spend must be finite and non-negative")
        mean_spend = spend.mean(axis=1)
        if np.any(mean_spend <= 0):
            idle = [c for c, m in zip(channels, mean_spend, strict=True) if m <= 0]
            raise ValueError(f"channels with no spend at all cannot be modelled: {idle}")

        self.y_scale_ = float(np.mean(np.abs(target))) or 1.0
        scaled = target / self.y_scale_
        self.baseline_design_ = BaselineDesign.for_data(
            dates,
            period_days=self.period_days,
            events=list(self.events),
            controls=X[list(self.controls)],
            yearly_seasonality=self.yearly_seasonality,
            yearly_order=self.yearly_order,
            changepoint_spacing_days=self.changepoint_spacing_days,
            trend_penalty=self.trend_penalty,
            seasonality_penalty=self.seasonality_penalty,
        )
        design = self.baseline_design_.matrix(dates, X, X[list(self.controls)])
        penalties = self.baseline_design_.penalties()

        grids = [
            ChannelGrid.build(m, self.decays, self.delays, self.saturation_ratios, self.shapes)
            for m in mean_spend
        ]
        blocks = [
            transform_candidates(s, g, self.adstock, self.lag)
            for s, g in zip(spend, grids, strict=True)
        ]
        candidates = np.vstack(blocks)
        offsets = np.concatenate([[0], np.cumsum([len(g) for g in grids])])
        lower, upper = self._coefficient_bounds(channels, spend, blocks)
        folds = self._folds(candidates, design, penalties, n_media=len(channels))
        full = Fold.build(candidates, design, penalties, len(dates), None)
        problem = SearchProblem(candidates, offsets, lower, upper, folds)
        start = np.array([offsets[c] + _middle(grids[c]) for c in range(len(channels))])

        lifts, lift_errors = self._lift_constraints(
            problem, full, scaled, start, channels, dates, offsets
        )
        problem.lifts = lifts
        chosen, cv_score = coordinate_search(problem, scaled, start)
        full_target = FoldTarget.build(full, candidates, scaled)
        coef = fit_coefficients(problem, full, full_target, chosen)
        media = candidates[chosen]
        baseline_coef = full.baseline.coefficients(scaled - coef @ media)
        fitted = design @ baseline_coef + coef @ media
        residuals = scaled - fitted
        degrees = design.shape[1] + 4 * len(channels)

        replicates = bootstrap_replicates(
            problem, full, fitted, residuals, chosen,
            n_replicates=self.n_bootstrap, block_length=self._block(),
            degrees_of_freedom=degrees, lift_standard_errors=lift_errors,
            rng=np.random.default_rng(self.seed),
        )  # fmt: skip

        gram, _, _ = joint_system(problem, full, full_target, chosen, with_lifts=False)
        self.channels_ = channels
        self.n_periods_ = len(dates)
        self.start_date_ = dates[0].date().isoformat()
        self.end_date_ = dates[-1].date().isoformat()
        self.baseline_coef_ = baseline_coef * self.y_scale_
        self.coef_ = coef * self.y_scale_
        self.hyperparameters_ = _hyperparameters(channels, grids, chosen - offsets[:-1])
        self.cv_score_ = float(cv_score)
        self.cv_folds_ = len(folds)
        self.residual_sd_ = float(residuals.std(ddof=0) * self.y_scale_)
        self.total_spend_ = spend.sum(axis=1)
        self.mean_spend_ = mean_spend
        window = max(1, round(self.current_window_days / self.period_days))
        self.current_spend_ = spend[:, -window:].mean(axis=1)
        self.contribution_ = (media * coef[:, None]).sum(axis=1) * self.y_scale_
        relative = spend / mean_spend[:, None]
        projected = full.baseline.project(relative.T)
        spend_gram = relative @ relative.T - projected.T @ projected
        self.identification_ = identification_statistics(channels, gram, spend_gram, media, spend)
        self._store_replicates(replicates, candidates, grids, offsets, spend)
        return self

    def _coefficient_bounds(self, channels, spend, blocks):
        """Coefficient bounds per candidate, from ROI bounds (ROI = coef * sum(h) / sum(x))."""
        lower, upper = [], []
        bounds = dict(self.roi_bounds or {})
        unknown = sorted(set(bounds) - set(channels))
        if unknown:
            raise ValueError(f"ROI bounds for unknown channels: {unknown}")
        for name, channel_spend, block in zip(channels, spend, blocks, strict=True):
            low, high = bounds.get(name, (0.0, np.inf))
            if low < 0 or high < low:
                raise ValueError(f"ROI bounds for {name!r} must satisfy 0 <= low <= high")
            totals = np.maximum(block.sum(axis=1), 1e-12) * self.y_scale_
            lower.append(low * channel_spend.sum() / totals)
            upper.append(high * channel_spend.sum() / totals)
        return np.concatenate(lower), np.concatenate(upper)

    def _folds(self, candidates, design, penalties, *, n_media: int) -> list[Fold]:
        """Rolling-origin folds: the last ``cv_folds`` blocks of ``cv_horizon`` periods."""
        n, horizon = candidates.shape[1], self._horizon()
        needed = minimum_training_periods(design.shape[1], n_media, self.period_days)
        ends = [n - k * horizon for k in range(self.cv_folds, 0, -1)]
        folds = [
            Fold.build(candidates, design, penalties, end, end + horizon)
            for end in ends
            if end >= needed
        ]
        if not folds:
            raise ValueError(
                f"too few rows: {n} periods, the model needs at least {needed + horizon} "
                f"({needed} to fit {design.shape[1]} baseline terms and {n_media} channels, "
                f"plus {horizon} to validate)"
            )
        return folds

    def _lift_constraints(self, problem, full, scaled, start, channels, dates, offsets):
        """Lift tests as weighted pseudo-observations; weights need the noise level first."""
        tests = list(self.lift_tests or [])
        if not tests:
            return [], []
        target = FoldTarget.build(full, problem.candidates, scaled)
        coef = fit_coefficients(problem, full, target, start)
        gram, linear, constant = joint_system(problem, full, target, start, with_lifts=False)
        noise_var = max(float(coef @ gram @ coef - 2 * linear @ coef + constant), 1e-12) / len(
            scaled
        )
        constraints, errors = [], []
        for test in tests:
            channel = test["channel"]
            if channel not in channels:
                raise ValueError(f"lift test for unknown channel {channel!r}")
            rows = (dates >= pd.Timestamp(test["start"])) & (dates <= pd.Timestamp(test["end"]))
            if not rows.any():
                raise ValueError(f"lift test for {channel!r} lies outside the data's dates")
            index = channels.index(channel)
            own = slice(offsets[index], offsets[index + 1])
            totals = np.zeros(problem.candidates.shape[0])
            totals[own] = problem.candidates[own][:, rows].sum(axis=1)
            se = float(test["standard_error"]) / self.y_scale_
            if se <= 0:
                raise ValueError(f"lift test for {channel!r} needs a positive standard error")
            lift = float(test["lift"]) / self.y_scale_
            constraints.append(LiftConstraint(index, totals, lift, noise_var / se**2))
            errors.append(se)
        return constraints, errors

    def _store_replicates(self, replicates, candidates, grids, offsets, spend) -> None:
        """Per replicate: hyperparameters, coefficient, ROI; and the spend profiles they use."""
        local = replicates.chosen - offsets[:-1][None, :]
        draws = {name: np.empty_like(replicates.coefficients) for name in _HYPER}
        for c, grid in enumerate(grids):
            for name in _HYPER:
                draws[name][:, c] = getattr(grid, name)[local[:, c]]
        coef = replicates.coefficients * self.y_scale_
        sums = candidates.sum(axis=1)[replicates.chosen]
        draws["coefficient"] = coef
        draws["contribution"] = coef * sums
        draws["roi"] = draws["contribution"] / spend.sum(axis=1)[None, :]
        self.bootstrap_ = draws
        profiles = {}
        for c, name in enumerate(self.channels_):
            keys = {(self.hyperparameters_[name]["decay"], self.hyperparameters_[name]["delay"])}
            keys |= set(zip(draws["decay"][:, c], draws["delay"][:, c], strict=True))
            profiles[name] = {
                _profile_key(decay, delay): SpendProfile.from_spend(
                    spend[c], self.adstock, decay, delay, self.lag
                )
                for decay, delay in sorted(keys)
            }
        self.spend_profiles_ = profiles

    # Using the fitted model ----------------------------------------------------------------

    def _check_fitted(self) -> None:
        if not hasattr(self, "coef_"):
            raise NotFittedError("this MarketingMixModel is not fitted yet: call fit first")

    def media_transforms(self, X: pd.DataFrame) -> np.ndarray:
        """Hill(adstock(spend)) per channel with the fitted hyperparameters: (channels, rows)."""
        self._check_fitted()
        rows = []
        for name in self.channels_:
            h = self.hyperparameters_[name]
            carried = adstock(
                X[name].to_numpy(dtype=float), self.adstock, h["decay"], self.lag, h["delay"]
            )
            rows.append(hill(carried, h["half_saturation"], h["shape"]))
        return np.vstack(rows)

    def decompose(self, X: pd.DataFrame) -> pd.DataFrame:
        """Contribution of every component per row: channels, baseline, events, controls.

        Columns are the channel names, ``baseline`` (intercept, trend and seasonality), and
        one column per event and control; they add up to ``predict(X)``.
        """
        self._check_fitted()
        dates = _dates(X)
        design = self.baseline_design_.matrix(dates, X, X[list(self.baseline_design_.controls)])
        parts = design * self.baseline_coef_[None, :]
        frame = pd.DataFrame(index=dates)
        media = self.media_transforms(X) * self.coef_[:, None]
        for c, name in enumerate(self.channels_):
            frame[name] = media[c]
        names = self.baseline_design_.column_names()
        groups = self.baseline_design_.column_groups()
        baseline = [i for i, g in enumerate(groups) if g == "baseline"]
        frame["baseline"] = parts[:, baseline].sum(axis=1)
        for i, (name, group) in enumerate(zip(names, groups, strict=True)):
            if group != "baseline":
                frame[name.split(":", 1)[1]] = parts[:, i]
        return frame

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Fitted target per row (adstock starts at X's first row: pass the history too)."""
        return self.decompose(X).sum(axis=1).to_numpy()

    def response(self, channel: str, replicate: int | None = None) -> ChannelResponse:
        """The channel's response curve (per period), point estimate or one bootstrap draw."""
        self._check_fitted()
        c = self.channels_.index(channel)
        if replicate is None:
            h = self.hyperparameters_[channel]
            decay, delay, coef = h["decay"], h["delay"], self.coef_[c]
            half, shape = h["half_saturation"], h["shape"]
        else:
            draw = {name: self.bootstrap_[name][replicate, c] for name in self.bootstrap_}
            decay, delay, coef = draw["decay"], draw["delay"], draw["coefficient"]
            half, shape = draw["half_saturation"], draw["shape"]
        profile = self.spend_profiles_[channel][_profile_key(decay, delay)]
        return ChannelResponse(float(coef), float(half), float(shape), profile)

    @property
    def n_replicates_(self) -> int:
        self._check_fitted()
        return len(self.bootstrap_["coefficient"])


_HYPER = ("decay", "delay", "half_saturation", "shape")


def minimum_training_periods(n_baseline: int, n_media: int, period_days: int) -> int:
    """Rows a training window needs: three per parameter, and at least eight weeks."""
    return max(3 * (n_baseline + n_media), 56 // period_days)


def _profile_key(decay: float, delay: float) -> str:
    return f"{float(decay):.6g}|{float(delay):.6g}"


def _middle(grid: ChannelGrid) -> int:
    """The candidate nearest the middle of the grid: where the search starts."""
    targets = [np.median(np.unique(getattr(grid, name))) for name in _HYPER]
    distance = sum(
        np.abs(np.log1p(getattr(grid, name)) - np.log1p(value))
        for name, value in zip(_HYPER, targets, strict=True)
    )
    return int(np.argmin(distance))


def _hyperparameters(channels, grids, local) -> dict:
    return {
        name: {field: float(getattr(grid, field)[i]) for field in _HYPER}
        for name, grid, i in zip(channels, grids, local, strict=True)
    }


def _dates(X: pd.DataFrame) -> pd.DatetimeIndex:
    if not isinstance(X.index, pd.DatetimeIndex):
        raise ValueError("X must be indexed by dates (a DatetimeIndex)")
    return X.index
