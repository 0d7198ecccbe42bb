"""The marketing-mix model as an estimator with scikit-learn's contract.

    target_t = baseline_t + sum_c beta_c * Hill(adstock(spend_c)_t; K_c, S_c) + noise_t

(Jin et al. 2017, section 2.3, with the transforms of ``transforms.py`` and the baseline of
``baseline.py``), Bayesian: priors on every parameter (``priors.py``), media effects
parameterised by their return and pooled across channels, lift tests as observations, and
the posterior sampled with NUTS (``posterior.py``). Every figure it reports is a posterior
mean with a percentile interval over the draws.

``__init__`` only stores hyperparameters; ``fit`` validates and returns ``self``; fitted
attributes end in ``_``; no training rows are kept (curves keep sorted spend *profiles*).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml_assets.estimator import Estimator
from ml_assets.mmm.baseline import BaselineDesign
from ml_assets.mmm.curves import CurveDraws, SpendProfile
from ml_assets.mmm.identification import identification_statistics
from ml_assets.mmm.priors import Priors
from ml_assets.mmm.transforms import GEOMETRIC, adstock, hill

MODEL_VERSION = "cerebro-mmm-2"
#: Points of each draw's spend profile (sorted adstocked spend, averaged in equal bins).
PROFILE_POINTS = 64
#: Attribute holding what ``summary.py`` derives from a fit and reuses across plans.
DERIVED = "_derived"
#: The shortest history fitted, in days: eight weeks (56 daily rows, 8 weekly ones).
MIN_HISTORY_DAYS = 56
#: Parameters per channel: decay, half-saturation, shape and return.
MEDIA_PARAMETERS = 4


class MarketingMixModel(Estimator):
    """Marketing-mix model: baseline + saturating, carried-over media effects.

    ``X`` is a DataFrame indexed by consecutive periods (a DatetimeIndex with one row per day,
    or per week when ``period_days=7``) holding the spend columns ``channels``, and optionally
    ``controls`` (e.g. organic search clicks) and ``events`` (0/1 calendar columns). A control
    is a demand signal by default: more of it never lowers the target (its coefficient is
    positive, as Robyn treats organic variables), so organic search cannot take credit away
    from the baseline it moves with; ``signed_controls`` names those that may act either way
    (a price, a competitor's activity).
    Lift tests are dicts ``{"channel", "start", "end", "lift", "standard_error"}`` (lift in
    target units summed over the inclusive date range); ROI bounds map a channel to
    ``(low, high)`` target units per unit of spend. ``chains`` x ``draws`` posterior draws
    (after ``warmup`` tuning steps per chain) back every estimate and interval.
    """

    def __init__(
        self,
        channels,
        *,
        controls=(),
        signed_controls=(),
        events=(),
        period_days: int = 1,
        max_lag: int | None = None,
        yearly_seasonality="auto",
        yearly_order: int = 2,
        changepoint_spacing_days: int = 91,
        priors: Priors | None = None,
        chains: int = 2,
        warmup: int = 200,
        draws: int = 200,
        interval: float = 0.9,
        lift_tests=None,
        roi_bounds=None,
        current_window_days: int = 28,
        seed: int = 0,
    ):
        self.channels = channels
        self.controls = controls
        self.signed_controls = signed_controls
        self.events = events
        self.period_days = period_days
        self.max_lag = max_lag
        self.yearly_seasonality = yearly_seasonality
        self.yearly_order = yearly_order
        self.changepoint_spacing_days = changepoint_spacing_days
        self.priors = priors
        self.chains = chains
        self.warmup = warmup
        self.draws = draws
        self.interval = interval
        self.lift_tests = lift_tests
        self.roi_bounds = roi_bounds
        self.current_window_days = current_window_days
        self.seed = seed

    # Derived settings ----------------------------------------------------------------------

    @property
    def lag(self) -> int:
        return self.max_lag if self.max_lag is not None else (13 if self.period_days == 1 else 8)

    def _priors(self) -> Priors:
        return self.priors or Priors()

    def _design(self, X: pd.DataFrame) -> BaselineDesign:
        return BaselineDesign.for_data(
            _dates(X),
            period_days=self.period_days,
            events=list(self.events),
            controls=X[list(self.controls)],
            yearly_seasonality=self.yearly_seasonality,
            yearly_order=self.yearly_order,
            changepoint_spacing_days=self.changepoint_spacing_days,
        )

    def required_periods(self, X: pd.DataFrame) -> dict:
        """Rows ``fit`` needs for data like ``X``, and the baseline terms it would fit."""
        terms = len(self._design(X).column_names())
        return {"fit": minimum_training_periods(terms, self.period_days), "baseline_terms": terms}

    # Fitting -----------------------------------------------------------------------------

    def fit(self, X: pd.DataFrame, y) -> MarketingMixModel:
        """Sample the posterior; returns ``self``."""
        from ml_assets.mmm.posterior import PosteriorProblem, sample_posterior

        self.__dict__.pop(DERIVED, None)  # figures derived from a previous fit

        channels = list(self.channels)
        if not channels:
            raise ValueError("at least one spend channel is needed")
        dates = _dates(X)
        target = np.asarray(y, dtype=float)
        if len(target) != len(X) or not np.all(np.isfinite(target)):
            raise ValueError("y must be finite and have one value per row of X")
        y_scale = float(np.mean(target))
        if y_scale <= 0:
            raise ValueError("the target must have a positive mean")
        spend = X[channels].to_numpy(dtype=float).T
        if np.any(spend < 0) or not np.all(np.isfinite(spend)):
            raise ValueError("spend must be finite and non-negative")
        mean_spend = spend.mean(axis=1)
        if np.any(mean_spend <= 0):
            idle = [c for c, m in zip(channels, mean_spend, strict=True) if m <= 0]
            raise ValueError(f"channels with no spend at all cannot be modelled: {idle}")
        design_spec = self._design(X)
        signed_unknown = sorted(set(self.signed_controls) - set(self.controls))
        if signed_unknown:
            raise ValueError(f"signed controls that are not controls: {signed_unknown}")
        terms = len(design_spec.column_names())
        needed = minimum_training_periods(terms, self.period_days)
        if len(dates) < needed:
            raise ValueError(f"too few rows: {len(dates)} periods, the model needs {needed}")

        design = design_spec.matrix(dates, X, X[list(self.controls)])
        # Centred columns (column 0 is the intercept) keep the intercept's prior about the
        # target's level on an average day.
        centres = np.concatenate([[0.0], design[:, 1:].mean(axis=0)])
        priors = self._priors()
        prior_mean, prior_sd = design_spec.priors(priors)
        spend_share = spend.sum(axis=1) / spend.sum()
        # Return r_c = ROI_c * total spend / total target (see priors.py).
        to_share = spend.sum() / target.sum()
        low, high = self._share_bounds(channels, to_share)
        problem = PosteriorProblem(
            baseline=design - centres,
            baseline_prior_mean=prior_mean,
            baseline_prior_sd=prior_sd,
            lagged_spend=_lagged(spend / mean_spend[:, None], self.lag),
            spend_share=spend_share,
            target=target / y_scale,
            priors=priors,
            lifts=self._lift_observations(channels, dates, y_scale),
            share_low=low,
            share_high=high,
            positive=self._positive_columns(design_spec),
            period_days=self.period_days,
        )
        posterior = sample_posterior(
            problem, chains=self.chains, warmup=self.warmup, draws=self.draws, seed=self.seed
        )
        controls = design_spec.control_columns()
        intercept = posterior.intercept - posterior.baseline @ centres[1:]
        baseline_draws = np.column_stack([intercept, posterior.baseline]) * y_scale

        self.channels_ = channels
        self.n_periods_ = len(dates)
        self.start_date_ = dates[0].date().isoformat()
        self.end_date_ = dates[-1].date().isoformat()
        self.y_scale_ = y_scale
        self.baseline_design_ = design_spec
        self.baseline_coef_ = baseline_draws.mean(axis=0)
        self.total_spend_ = spend.sum(axis=1)
        self.mean_spend_ = mean_spend
        window = max(1, round(self.current_window_days / self.period_days))
        self.current_spend_ = spend[:, -window:].mean(axis=1)
        contribution = posterior.share * spend_share[None, :] * target.sum()
        self.draws_ = {
            "decay": posterior.decay,
            "half_saturation": posterior.half_saturation * mean_spend[None, :],
            "shape": posterior.shape,
            "coefficient": posterior.beta * y_scale,
            "contribution": contribution,
            "roi": contribution / spend.sum(axis=1)[None, :],
            # (draws, controls): each control's contribution over the window, by draw.
            "control_contribution": baseline_draws[:, controls] * design[:, controls].sum(axis=0),
        }
        self.contribution_ = contribution.mean(axis=0)
        self.coef_ = self.draws_["coefficient"].mean(axis=0)
        self.hyperparameters_ = {
            name: {
                field: float(np.median(self.draws_[field][:, c]))
                for field in ("decay", "half_saturation", "shape")
            }
            for c, name in enumerate(channels)
        }
        self.residual_sd_ = float(posterior.sigma.mean() * y_scale)
        self.sampler_ = {
            "chains": self.chains,
            "draws": len(posterior.sigma),
            "divergences": posterior.divergences,
            "mean_tree_steps": posterior.mean_tree_steps,
            "max_rhat": posterior.max_rhat,
            "discarded_chains": posterior.discarded_chains,
        }
        self.identification_ = identification_statistics(
            channels, spend, posterior.share, priors,
            periods_per_media_parameter=(len(dates) - terms) / (MEDIA_PARAMETERS * len(channels)),
        )  # fmt: skip
        self._store_profiles(spend)
        return self

    def _store_profiles(self, spend: np.ndarray) -> None:
        """Each draw's binned spend profile, and the coefficient its curve uses: scaled so that
        the binned curve at mean spend gives exactly the draw's contribution over the window
        (binning averages adstocked spend before the Hill function; the correction is a
        fraction of a percent, and it makes curves and reported ROI agree exactly)."""
        self.profiles_, curve_coefficient = {}, np.empty_like(self.draws_["coefficient"])
        for c, name in enumerate(self.channels_):
            profiles = []
            for d, decay in enumerate(self.draws_["decay"][:, c]):
                relative = adstock(spend[c], GEOMETRIC, decay, self.lag) / spend[c].mean()
                profile = SpendProfile.binned(relative, PROFILE_POINTS)
                half = self.draws_["half_saturation"][d, c] / spend[c].mean()
                shape = self.draws_["shape"][d, c]
                exact = hill(relative, half, shape).mean()
                binned = hill(profile.values, half, shape).mean()  # as CurveDraws averages
                curve_coefficient[d, c] = self.draws_["coefficient"][d, c] * (
                    exact / binned if binned > 0 else 1.0
                )
                profiles.append(profile.values)
            self.profiles_[name] = np.array(profiles)
        self.draws_["curve_coefficient"] = curve_coefficient

    def _positive_columns(self, design_spec: BaselineDesign) -> np.ndarray:
        """Per baseline column, whether its coefficient must be positive: the controls not
        named in ``signed_controls``."""
        positive = np.zeros(len(design_spec.column_names()), dtype=bool)
        for name, column in zip(design_spec.controls, design_spec.control_columns(), strict=True):
            positive[column] = name not in self.signed_controls
        return positive

    def _share_bounds(self, channels, to_share):
        """ROI bounds (target per unit of spend) as bounds on the return r_c, or None."""
        bounds = dict(self.roi_bounds or {})
        unknown = sorted(set(bounds) - set(channels))
        if unknown:
            raise ValueError(f"ROI bounds for unknown channels: {unknown}")
        if not bounds:
            return None, None
        low, high = np.zeros(len(channels)), np.full(len(channels), np.inf)
        for c, name in enumerate(channels):
            if name not in bounds:
                continue
            lower, upper = (float(v) for v in bounds[name])
            if not (np.isfinite(lower) and 0 <= lower <= upper) or np.isnan(upper):
                raise ValueError(f"ROI bounds for {name!r} must satisfy 0 <= low <= high")
            low[c], high[c] = lower * to_share, upper * to_share
        return low, high

    def _lift_observations(self, channels, dates, y_scale):
        """Lift tests on the scaled target, over the rows of their date range."""
        from ml_assets.mmm.posterior import LiftObservation

        observations = []
        for test in self.lift_tests or []:
            channel = test["channel"]
            if channel not in channels:
                raise ValueError(f"lift test for unknown channel {channel!r}")
            rows = (dates >= pd.Timestamp(test["start"])) & (dates <= pd.Timestamp(test["end"]))
            if not rows.any():
                raise ValueError(f"lift test for {channel!r} lies outside the data's dates")
            error, lift = float(test["standard_error"]), float(test["lift"])
            if not (np.isfinite(error) and error > 0 and np.isfinite(lift)):
                raise ValueError(
                    f"lift test for {channel!r} needs a finite lift and a positive standard error"
                )
            observations.append(
                LiftObservation(channels.index(channel), np.asarray(rows), lift / y_scale,
                                error / y_scale)
            )  # fmt: skip
        return observations

    # Using the fitted model ----------------------------------------------------------------

    def media_contributions(self, X: pd.DataFrame) -> np.ndarray:
        """Posterior mean contribution of every channel per row: (channels, rows)."""
        self.check_fitted("draws_")
        rows = []
        for c, name in enumerate(self.channels_):
            spend = X[name].to_numpy(dtype=float)
            total = np.zeros(len(spend))
            for decay, half, shape, coef in zip(
                self.draws_["decay"][:, c], self.draws_["half_saturation"][:, c],
                self.draws_["shape"][:, c], self.draws_["coefficient"][:, c], strict=True,
            ):  # fmt: skip
                total += coef * hill(adstock(spend, GEOMETRIC, decay, self.lag), half, shape)
            rows.append(total / self.n_draws_)
        return np.vstack(rows)

    def decompose(self, X: pd.DataFrame) -> pd.DataFrame:
        """Contribution of every component per row: channels, baseline, events, controls.

        Columns are the channel names, ``baseline`` (intercept, trend and seasonality), and
        one column per event and control; they add up to ``predict(X)``.
        """
        self.check_fitted("draws_")
        dates = _dates(X)
        design = self.baseline_design_.matrix(dates, X, X[list(self.baseline_design_.controls)])
        parts = design * self.baseline_coef_[None, :]
        frame = pd.DataFrame(index=dates)
        media = self.media_contributions(X)
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
        """Posterior mean target per row (adstock starts at X's first row: pass the history)."""
        return self.decompose(X).sum(axis=1).to_numpy()

    def response(self, channel: str) -> CurveDraws:
        """The channel's response curve per period, one per posterior draw."""
        self.check_fitted("draws_")
        c = self.channels_.index(channel)
        return CurveDraws(
            self.draws_["curve_coefficient"][:, c], self.draws_["half_saturation"][:, c],
            self.draws_["shape"][:, c], self.profiles_[channel],
        )  # fmt: skip

    @property
    def n_draws_(self) -> int:
        self.check_fitted("draws_")
        return len(self.draws_["coefficient"])


def minimum_training_periods(n_baseline: int, period_days: int) -> int:
    """Rows below which a fit means nothing: eight weeks (``MIN_HISTORY_DAYS``), and twice the
    baseline's terms. With as many rows as terms the baseline alone reproduces the target and
    nothing is left to tell media from noise; with twice as many, half the rows' variation is
    theirs. Channels add no rows to the floor: their priors carry what the data cannot say,
    and a channel the rows cannot judge is flagged (``periods_per_media_parameter``, the
    identification rule) and keeps today's share of the budget (docs/decisions/0054)."""
    return max(2 * n_baseline, MIN_HISTORY_DAYS // period_days)


def _lagged(relative: np.ndarray, max_lag: int) -> np.ndarray:
    """(channels, max_lag + 1, rows): spend shifted by 0..max_lag rows (zeros before)."""
    channels, rows = relative.shape
    lagged = np.zeros((channels, max_lag + 1, rows))
    for lag in range(min(max_lag + 1, rows)):
        lagged[:, lag, lag:] = relative[:, : rows - lag]
    return lagged


def _dates(X: pd.DataFrame) -> pd.DatetimeIndex:
    if not isinstance(X.index, pd.DatetimeIndex):
        raise ValueError("X must be indexed by dates (a DatetimeIndex)")
    return X.index
