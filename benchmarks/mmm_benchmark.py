"""The marketing-mix model against references, on simulated data with known truth (not a test).

    make bench-mmm                                      # 3 seeds per difficulty
    python benchmarks/mmm_benchmark.py --seeds 1 --pymc-python .bench/pymc/bin/python

Datasets come from ``ml_assets/mmm/simulate.py`` (two years of daily revenue, three channels,
easy / medium / hard spend collinearity). Every model is fitted on all but the last 56 days
and scored on:

- fit time (wall clock, this machine);
- ROI error: mean over channels of |ROI / true ROI - 1| over the training window;
- share error: mean absolute error of each channel's share of revenue, in points;
- holdout MAPE on the 56 held-out days (their spend, controls and calendar are given);
- budget regret: the current total budget split by each model's own curves, valued on the true
  curves, short of the true optimum, in % of the true optimal media revenue (bounds: 0 to 3x
  each channel's current spend for everybody);
- ROI interval coverage (90 % intervals), where the model gives intervals.

Models: Cerebro's MMM (``ml_assets.mmm``, 100 bootstrap replicates); a reference least squares
fit on the *true* adstock and saturation transforms (an oracle for the transforms: only the
effect sizes are estimated); and pymc-marketing's MMM when ``--pymc-python`` points at a
Python >= 3.12 with pymc-marketing installed (``benchmarks/mmm_pymc_reference.py``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ml_assets.mmm.baseline import BaselineDesign
from ml_assets.mmm.budget import DEFAULT_MAX_RATIO, plan_budget
from ml_assets.mmm.curves import ChannelResponse, SpendProfile
from ml_assets.mmm.linear import RidgeBaseline, box_qp_exact
from ml_assets.mmm.model import MarketingMixModel
from ml_assets.mmm.optimizer import maximize_response
from ml_assets.mmm.simulate import CHANNELS, DIFFICULTIES, simulate
from ml_assets.mmm.summary import DailyResponse, channel_summary
from ml_assets.mmm.transforms import geometric_adstock, hill

HOLDOUT = 56
CONTROLS = ["organic_clicks"]
EVENTS = ["holiday", "commercial_event"]
NAMES = [c.name for c in CHANNELS]
PYMC_SCRIPT = Path(__file__).with_name("mmm_pymc_reference.py")


def _truth(data, train: pd.DataFrame) -> dict:
    """True ROI, revenue share and response curves over the training window."""
    contributions = data.contributions.iloc[: len(train)]
    curves = []
    for name in NAMES:
        truth = data.truth[name]
        profile = SpendProfile.from_spend(
            train[name].to_numpy(), "geometric", truth["decay"], 0.0, truth["max_lag"]
        )
        curves.append(
            DailyResponse(
                ChannelResponse(truth["beta"], truth["half_saturation"], truth["shape"], profile), 1
            )
        )
    return {
        "roi": np.array([contributions[n].sum() / train[n].sum() for n in NAMES]),
        "share": np.array([contributions[n].sum() for n in NAMES]) / train["revenue"].sum(),
        "curves": curves,
    }


def _regret(truth: dict, model_curves: list, current: np.ndarray, values=None) -> float:
    """% of the true optimum lost by splitting today's budget with the model's curves."""
    budget, upper = current.sum(), DEFAULT_MAX_RATIO * current
    best = maximize_response(truth["curves"], budget, np.zeros(len(current)), upper)
    chosen = (
        values
        if values is not None
        else maximize_response(model_curves, budget, np.zeros(len(current)), upper).spend
    )
    achieved = sum(curve.value(s)[0] for curve, s in zip(truth["curves"], chosen, strict=True))
    return 100.0 * (best.value - achieved) / best.value


def _row(name, difficulty, seed, seconds, roi, share, truth, holdout, regret, low=None, high=None):
    actual = holdout[0]
    row = {
        "model": name,
        "difficulty": difficulty,
        "seed": seed,
        "fit_s": seconds,
        "roi_error_%": 100.0 * np.mean(np.abs(roi / truth["roi"] - 1.0)),
        "share_error_pp": 100.0 * np.mean(np.abs(share - truth["share"])),
        "holdout_mape_%": 100.0 * np.mean(np.abs(holdout[1] / actual - 1.0)),
        "regret_%": regret,
        "coverage_%": np.nan,
    }
    if low is not None:
        row["coverage_%"] = 100.0 * np.mean((low <= truth["roi"]) & (truth["roi"] <= high))
    return row


def run_cerebro(data, train, truth, difficulty, seed) -> dict:
    X = data.frame.set_index("date")
    model = MarketingMixModel(NAMES, controls=CONTROLS, events=EVENTS, n_bootstrap=100, seed=seed)
    started = time.perf_counter()
    model.fit(X.iloc[: len(train)], X["revenue"].iloc[: len(train)])
    seconds = time.perf_counter() - started
    summary = channel_summary(model, float(train["revenue"].sum()))
    predicted = model.predict(X)[len(train) :]
    current = model.current_spend_
    plan = plan_budget(model, 30 * current.sum())  # with the rule for unidentified channels
    regret = _regret(truth, [], current, values=plan["optimal_spend"].to_numpy() / 30)
    return _row(
        "cerebro", difficulty, seed, seconds, summary["roi"].to_numpy(),
        summary["contribution"].to_numpy() / train["revenue"].sum(), truth,
        (X["revenue"].to_numpy()[len(train) :], predicted), regret,
        summary["roi_low"].to_numpy(), summary["roi_high"].to_numpy(),
    )  # fmt: skip


def run_true_transform_least_squares(data, train, truth, difficulty, seed) -> dict:
    """Non-negative least squares with the true adstock and Hill, same baseline as Cerebro's."""
    X = data.frame.set_index("date")
    started = time.perf_counter()
    dates = X.index
    design_spec = BaselineDesign.for_data(
        dates[: len(train)], period_days=1, events=EVENTS, controls=X[CONTROLS].iloc[: len(train)],
        yearly_seasonality="auto", yearly_order=3, changepoint_spacing_days=91,
        trend_penalty=1.0, seasonality_penalty=1.0,
    )  # fmt: skip
    design = design_spec.matrix(dates, X, X[CONTROLS])
    transformed = []
    for name in NAMES:
        true = data.truth[name]
        carried = geometric_adstock(X[name].to_numpy(), true["decay"], true["max_lag"])
        transformed.append(hill(carried, true["half_saturation"], true["shape"]))
    media = np.vstack(transformed)
    n, y = len(train), X["revenue"].to_numpy()
    baseline = RidgeBaseline.factorize(design[:n], design_spec.penalties())
    projected, qy = baseline.project(media[:, :n].T), baseline.project(y[:n])
    gram = media[:, :n] @ media[:, :n].T - projected.T @ projected
    linear = media[:, :n] @ y[:n] - projected.T @ qy
    beta = box_qp_exact(gram, linear, np.zeros(3), np.full(3, np.inf))
    gamma = baseline.coefficients(y[:n] - beta @ media[:, :n])
    seconds = time.perf_counter() - started
    predicted = (design @ gamma + beta @ media)[n:]
    contribution = beta * media[:, :n].sum(axis=1)
    roi = contribution / train[NAMES].sum().to_numpy()
    curves = [
        DailyResponse(ChannelResponse(b, t.response.half_saturation, t.response.shape,
                                      t.response.profile), 1)
        for b, t in zip(beta, truth["curves"], strict=True)
    ]  # fmt: skip
    current = train[NAMES].to_numpy()[-28:].mean(axis=0)
    return _row(
        "least squares, true transforms", difficulty, seed, seconds, roi,
        contribution / train["revenue"].sum(), truth, (y[n:], predicted),
        _regret(truth, curves, current),
    )  # fmt: skip


class PymcCurve:
    """A channel's posterior-mean response per day, rebuilt from pymc-marketing's draws:
    beta * logistic(lam * adstock(x) / channel_scale) * target_scale, averaged over draws."""

    def __init__(self, spend: np.ndarray, draws: dict, c: int, result: dict):
        mean = spend.mean()
        lags = np.arange(result["l_max"])
        relative = []
        for alpha in np.asarray(draws["adstock_alpha"])[:, c]:
            weights = alpha**lags / np.sum(alpha**lags)
            relative.append(np.convolve(spend, weights)[: len(spend)] / mean)
        self.relative = np.array(relative)
        self.lam = np.asarray(draws["saturation_lam"])[:, c]
        self.beta = np.asarray(draws["saturation_beta"])[:, c]
        self.scale = result["channel_scale"][c]
        self.target_scale = result["target_scale"]

    def value(self, spend) -> np.ndarray:
        z = self.lam[:, None] * float(np.atleast_1d(spend)[0]) * self.relative / self.scale
        level = (1 - np.exp(-z)) / (1 + np.exp(-z))
        return np.array([np.mean(self.beta[:, None] * level) * self.target_scale])

    def marginal(self, spend) -> np.ndarray:
        s = float(np.atleast_1d(spend)[0])
        step = max(1e-4 * s, 1e-2)
        return (self.value(s + step) - self.value(max(s - step, 0.0))) / (
            s + step - max(s - step, 0)
        )


def run_pymc(python: str, data, train, truth, difficulty, seed, draws: int) -> dict:
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        train.to_csv(folder / "train.csv", index=False)
        data.frame.to_csv(folder / "full.csv", index=False)
        command = [python, str(PYMC_SCRIPT), "--train", str(folder / "train.csv"),
                   "--full", str(folder / "full.csv"), "--out", str(folder / "out.json"),
                   "--draws", str(draws), "--tune", str(draws), "--seed", str(seed)]  # fmt: skip
        subprocess.run(command, check=True, capture_output=True, text=True)
        result = json.loads((folder / "out.json").read_text())
    sums = np.asarray(result["contribution_sums"])
    roi = sums.mean(axis=0) / train[NAMES].sum().to_numpy()
    low, high = np.percentile(sums / train[NAMES].sum().to_numpy(), [5, 95], axis=0)
    curves = [
        PymcCurve(train[n].to_numpy(), result["draws"], c, result) for c, n in enumerate(NAMES)
    ]
    current = train[NAMES].to_numpy()[-28:].mean(axis=0)
    row = _row(
        "pymc-marketing", difficulty, seed, result["fit_seconds"], roi,
        sums.mean(axis=0) / train["revenue"].sum(), truth,
        (data.frame["revenue"].to_numpy()[len(train) :], np.asarray(result["holdout_predicted"])),
        _regret(truth, curves, current), low, high,
    )  # fmt: skip
    row["divergences"] = result["divergences"]
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--difficulties", default=",".join(DIFFICULTIES))
    parser.add_argument("--pymc-python", help="Python >= 3.12 with pymc-marketing installed.")
    parser.add_argument("--pymc-seeds", type=int, default=1, help="pymc-marketing takes minutes.")
    parser.add_argument("--pymc-draws", type=int, default=500, help="Tuning and kept draws.")
    args = parser.parse_args()
    pymc = args.pymc_python if args.pymc_python and Path(args.pymc_python).exists() else None
    if pymc is None:
        print("pymc-marketing: no Python with it given (--pymc-python); references only.\n")
    rows = []
    for difficulty in args.difficulties.split(","):
        for seed in range(args.seeds):
            data = simulate(difficulty, seed=seed)
            train = data.frame.iloc[:-HOLDOUT]
            truth = _truth(data, train)
            rows.append(run_cerebro(data, train, truth, difficulty, seed))
            rows.append(run_true_transform_least_squares(data, train, truth, difficulty, seed))
            if pymc and seed < args.pymc_seeds:
                try:
                    rows.append(
                        run_pymc(pymc, data, train, truth, difficulty, seed, args.pymc_draws)
                    )
                except subprocess.CalledProcessError as error:
                    print(f"pymc-marketing failed on {difficulty}/{seed}: {error.stderr[-2000:]}")
            print(pd.DataFrame(rows[-3:]).round(2).to_string(index=False), file=sys.stderr)
    table = pd.DataFrame(rows)
    summary = table.groupby(["difficulty", "model"], sort=False).agg(
        datasets=("seed", "count"),
        **{c: (c, "mean") for c in ("fit_s", "roi_error_%", "share_error_pp", "holdout_mape_%",
                                    "regret_%", "coverage_%")},
    )  # fmt: skip
    print(summary.round(2).to_markdown())


if __name__ == "__main__":
    main()
