"""Use case: fit the MMM on a table and get every output (DataFrame in, DataFrames out)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ml_assets.mmm import summary
from ml_assets.mmm.inputs import MmmInputError, ModelInput, prepare_input
from ml_assets.mmm.model import MIN_HISTORY_DAYS, MODEL_VERSION, MarketingMixModel
from ml_assets.mmm.settings import MIN_DRAWS
from ml_assets.mmm.side_process import Beside


@dataclass
class MmmResult:
    """A fitted model with the data it was fitted on, and its outputs."""

    model: MarketingMixModel
    data: ModelInput
    backtest: pd.DataFrame
    fit_seconds: float
    extra: dict = field(default_factory=dict)

    @property
    def X(self) -> pd.DataFrame:
        return self.data.frame

    @property
    def y(self) -> np.ndarray:
        return self.data.frame[self.data.target].to_numpy(dtype=float)

    def channel_summary(self) -> pd.DataFrame:
        return summary.channel_summary(self.model, float(self.y.sum()))

    def contributions(self) -> pd.DataFrame:
        return summary.contributions(self.model, self.X, self.y)

    def response_curves(self) -> pd.DataFrame:
        return summary.response_curves(self.model)

    def _control_intervals(self, fitted_total: float) -> dict:
        """Per control, the interval of its share of the fitted target over the window (the
        point is ``decomposition_shares``'); nothing for a model saved before draws of it."""
        model = self.model
        draws = model.draws_.get("control_contribution")
        if draws is None:
            return {}
        intervals = {}
        for k, name in enumerate(model.baseline_design_.controls):
            shares = draws[:, k] / fitted_total
            low, high = summary.interval(shares, float(shares.mean()), model.interval)
            intervals[name] = {"contribution_share_low": low, "contribution_share_high": high}
        return intervals

    def diagnostics(self) -> dict:
        """Errors in sample and on the holdout, hyperparameters, decomposition shares."""
        model, y = self.model, self.y
        parts = model.decompose(self.X)
        fitted = parts.sum(axis=1).to_numpy()
        holdout = self.backtest
        return {
            "model_version": MODEL_VERSION,
            "target": self.data.target,
            "period_days": model.period_days,
            "start_date": model.start_date_,
            "end_date": model.end_date_,
            "periods": model.n_periods_,
            "channels": list(model.channels_),
            "controls": list(model.baseline_design_.controls),
            "signed_controls": list(model.signed_controls),
            "events": list(model.baseline_design_.events),
            "seed": model.seed,
            "posterior_draws": model.n_draws_,
            "interval": model.interval,
            "fit_seconds": round(self.fit_seconds, 3),
            "in_sample": error_metrics(y, fitted),
            "holdout": error_metrics(holdout["actual"].to_numpy(), holdout["predicted"].to_numpy()),
            "holdout_start": str(holdout["date"].min().date()),
            "holdout_periods": len(holdout),
            "residual_sd": model.residual_sd_,
            "sampler_divergences": model.sampler_["divergences"],
            "sampler_max_rhat": model.sampler_["max_rhat"],
            "sampler_mean_tree_steps": model.sampler_["mean_tree_steps"],
            # Models saved before chains were checked say nothing: none was discarded then.
            "sampler_discarded_chains": model.sampler_.get("discarded_chains", 0),
            "hyperparameters": model.hyperparameters_,
            "coefficients": dict(zip(model.channels_, model.coef_.tolist(), strict=True)),
            "decomposition_shares": {
                name: float(parts[name].sum() / fitted.sum()) for name in parts.columns
            },
            "identification": model.identification_,
            "control_intervals": self._control_intervals(fitted.sum()),
            **self.extra,
        }


def error_metrics(actual: np.ndarray, predicted: np.ndarray) -> dict:
    """MAPE (over non-zero actuals), RMSE, and R^2."""
    actual, predicted = np.asarray(actual, float), np.asarray(predicted, float)
    nonzero = actual != 0
    residual = actual - predicted
    total = np.sum((actual - actual.mean()) ** 2)
    return {
        "mape": float(np.mean(np.abs(residual[nonzero] / actual[nonzero])))
        if nonzero.any()
        else None,
        "rmse": float(np.sqrt(np.mean(residual**2))),
        "r2": float(1.0 - np.sum(residual**2) / total) if total > 0 else None,
    }


def backtest(data: ModelInput, model_params: dict, holdout_periods: int) -> pd.DataFrame:
    """Refit on everything before the last ``holdout_periods`` and predict them.

    The refit sees the holdout's spend, controls and events (they are known when the figures
    are read) but not its target. Columns: date, actual, predicted, trained_until (the last
    day the refit saw).
    """
    frame = data.frame
    cutoff = len(frame) - holdout_periods
    # The same sampler settings as the full fit: a history of similar length then reuses its
    # compiled sampler (posterior.py), which costs more than the draws.
    params = dict(model_params)
    # A test that starts after the refit's last day (an experiment of the last weeks) has no
    # day to calibrate in it; the full fit still uses it.
    last_seen = pd.Timestamp(frame.index[cutoff - 1])
    if params.get("lift_tests"):
        params["lift_tests"] = [
            test for test in params["lift_tests"] if pd.Timestamp(test["start"]) <= last_seen
        ] or None
    model = _model(data, params).fit(frame.iloc[:cutoff], frame[data.target].iloc[:cutoff])
    predicted = model.predict(frame)[cutoff:]
    return pd.DataFrame(
        {
            "date": frame.index[cutoff:],
            "actual": frame[data.target].to_numpy()[cutoff:],
            "predicted": predicted,
            "trained_until": frame.index[cutoff - 1],
        }
    )


def _model(data: ModelInput, params: dict) -> MarketingMixModel:
    return MarketingMixModel(
        data.channels,
        controls=data.controls,
        events=data.events,
        period_days=data.period_days,
        **params,
    )


def fit_mmm(
    table: pd.DataFrame,
    *,
    date_column: str,
    spend_columns: list[str],
    target_column: str,
    control_columns: list[str] = (),
    signed_control_columns: list[str] = (),
    event_columns: list[str] = (),
    frequency: str = "daily",
    holdout_days: int = 56,
    seed: int = 0,
    draws: int = 200,
    lift_tests: list[dict] | None = None,
    roi_bounds: dict | None = None,
    on_progress: Callable[[str], None] | None = None,
    **model_params,
) -> MmmResult:
    """Validate, back-test on the last ``holdout_days``, then fit on everything with intervals.

    ``control_columns`` are demand signals (organic search clicks: more never lowers the
    target); ``signed_control_columns`` may act either way (a price).

    Raises ``MmmInputError`` naming the problem for bad input (unknown columns, non-numeric or
    negative spend, missing dates, too few rows). ``on_progress`` is told, in a sentence, when
    the input is validated and the fits start (they may take many minutes on years of days).
    """
    both = sorted(set(control_columns) & set(signed_control_columns))
    if both:
        raise MmmInputError(f"columns named both as demand and as signed controls: {both}")
    data = prepare_input(
        table,
        date_column=date_column,
        spend_columns=list(spend_columns),
        target_column=target_column,
        control_columns=[*control_columns, *signed_control_columns],
        event_columns=list(event_columns),
        frequency=frequency,
    )
    if draws < MIN_DRAWS:
        raise MmmInputError(f"draws must be at least {MIN_DRAWS} for intervals")
    holdout = max(1, round(holdout_days / data.period_days))
    params = {
        "seed": seed,
        "draws": draws,
        "warmup": max(draws, WARMUP_PER_CHANNEL * len(data.channels)),
        "lift_tests": lift_tests,
        "roi_bounds": roi_bounds,
        "signed_controls": list(signed_control_columns),
        **model_params,
    }
    _check_enough_rows(data, params, holdout)
    if on_progress is not None:
        on_progress(
            f"{len(data.frame)} rows of {len(data.channels)} channels valid; fitting the model "
            f"and its backtest on the last {holdout} rows ({draws} draws each)…"
        )
    started = time.perf_counter()
    try:
        # The backtest's refit and the full fit are independent: side by side on two cores.
        refit = Beside(backtest, data, params, holdout)
        model = _model(data, params).fit(data.frame, data.frame[data.target])
        held_out = refit.result()
    except MmmInputError:
        raise
    except ValueError as error:  # lift tests, ROI bounds: the model names the problem
        raise MmmInputError(str(error)) from error
    return MmmResult(model, data, held_out, time.perf_counter() - started)


#: Tuning steps per channel (at least as many as the draws). NUTS's dense mass matrix is
#: estimated in the last window of the warmup, and the posterior has 4 parameters per channel
#: plus 7: with ten channels and 200 steps (a last window of about 50 draws for 47 dimensions)
#: its trees grew to 800 leapfrog steps on weekly data, against 65 with 500 steps, which also
#: took less time. Up to four channels, the draws' 200 steps as before.
WARMUP_PER_CHANNEL = 50


def _check_enough_rows(data: ModelInput, params: dict, holdout: int) -> None:
    """Refuse only a history no fit can use (``model.minimum_training_periods``): shorter than
    eight weeks, or than twice the baseline's terms, once the backtest's rows are held out.
    Many channels on a short history are fitted and flagged instead (decision 0054)."""
    needed = _model(data, params).required_periods(data.frame)
    total = needed["fit"] + holdout
    unit = "days" if data.period_days == 1 else "weeks"
    if len(data.frame) < total:
        floor = MIN_HISTORY_DAYS // data.period_days
        reason = (
            f"{floor} {unit} of history"
            if needed["fit"] == floor
            else f"twice its {needed['baseline_terms']} baseline terms"
        )
        raise MmmInputError(
            f"too few rows: {len(data.frame)} {unit}, the model needs at least {total} "
            f"({needed['fit']} to fit, {reason}, and {holdout} held out for the backtest; "
            "a shorter holdout lowers this)"
        )
