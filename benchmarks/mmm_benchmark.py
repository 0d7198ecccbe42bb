"""The budget brain against pymc-marketing on independent simulated data (not a test).

    make bench-mmm                                   # fresh seeds, 5 levels x 5 seeds
    python benchmarks/mmm_benchmark.py --seeds 0,1,2 --levels easy
    python benchmarks/mmm_benchmark.py --levels weekly-1y,weekly-3y --count 3

Data come from ``benchmarks/mmm_suite/independent.py``, a simulator written apart from the
model (four channels, normalised geometric adstock and Hill saturation, a baseline with trend,
seasonality, Chilean holidays and commercial events and organic search, 10 % noise, media
about 30 % of revenue) at three levels of spend collinearity and spend following demand; and from
``benchmarks/mmm_suite/weekly.py``, weekly accounts with 8-10 channels and three controls, on
one year (``weekly-1y``) or three to four (``weekly-3y``) of training weeks, fitted weekly
(``--frequency weekly``; pymc-marketing with 9 adstock weights, as our weekly lag of 8).
Each dataset is written to a CSV and fitted as a user would:

- **Cerebro**: ``cerebro mmm fit`` then ``cerebro mmm optimize`` for today's budget over 30
  days, as subprocesses (their wall time is the time reported: start-up, backtest, sampling
  and planning included). ``regret_%`` is its advice (channels the data cannot judge move
  only together, in today's proportions); ``bet_regret_%`` the same model's posterior-optimal plan
  (``--move-unidentified``), which moves them too;
- **pymc-marketing 1.3.0** (``mmm_pymc_cache.py``): its default MMM with a trend and
  day-of-week controls, 2 chains x 500 tuning + 500 draws; its time is the warm fit (a second
  fit in the same process, compilation excluded). Its plan splits the same budget over its
  posterior-mean curves, each channel between 0 and 3 times its current spend.

Both are trained on every day (week) but the last 56 days (8 weeks) and scored by
``mmm_scoring.py``. Seeds used while the model was built were 0, 1, 2 (weekly: 0-4); without
``--seeds`` the benchmark draws fresh ones and prints them, so that the table is on data the
model was never looked at on.
"""

from __future__ import annotations

import argparse
import json
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mmm_pymc_cache import DEFAULT_PYTHON, pymc_result
from mmm_scoring import (
    MAX_RATIO,
    current_spend,
    holdout_rows,
    period_days,
    regret,
    score,
    true_curves,
)

from benchmarks.mmm_suite import independent, weekly
from benchmarks.mmm_suite.independent import write
from ml_assets.mmm.optimizer import maximize_response

CEREBRO = [str(Path(sys.executable).with_name("cerebro"))]
PERIOD_DAYS = 30
LEVELS = (*independent.LEVELS, *weekly.LEVELS)
#: pymc-marketing's adstock weights on weekly rows: our weekly max lag (8) plus this week.
WEEKLY_L_MAX = 9


def generate(level: str, seed: int):
    """One simulated account of either simulator."""
    return (weekly if level in weekly.LEVELS else independent).generate(level, seed)


def _demand_controls(data) -> list[str]:
    """The controls `cerebro mmm fit` is told are demand signals: all but the signed ones."""
    return [name for name in data.controls if name not in data.signed_controls]


def run_cerebro(data, folder: Path) -> dict:
    """``cerebro mmm fit`` + ``optimize`` on the dataset's CSV, timed; their outputs."""
    train_rows = len(data.frame) - holdout_rows(data)
    csv = folder / "train.csv"
    data.frame.iloc[:train_rows].to_csv(csv, index=False, date_format="%Y-%m-%d")
    frequency = "weekly" if period_days(data) == 7 else "daily"
    started, cpu_before = time.perf_counter(), _children_cpu()
    fit = [*CEREBRO, "mmm", "fit", "--input", str(csv), "--target-column", "revenue",
           "--spend-columns", ",".join(data.channels),
           "--control-columns", ",".join(_demand_controls(data)),
           *(["--signed-control-columns", ",".join(data.signed_controls)]
             if data.signed_controls else []),
           "--event-columns", ",".join(data.events), "--frequency", frequency,
           "--out-dir", str(folder / "model")]  # fmt: skip
    subprocess.run(fit, check=True, capture_output=True, text=True)
    fit_seconds = time.perf_counter() - started
    # CPU of the fit and its backtest's helper process: on a shared machine the wall time
    # says more about the neighbours than about the fit; half of this is its time on 2 cores.
    fit_cpu_seconds = _children_cpu() - cpu_before
    current = current_spend(data, data.frame.iloc[:train_rows])
    budget = current.sum() * PERIOD_DAYS
    plan_path = folder / "plan.csv"
    optimize = [*CEREBRO, "mmm", "optimize", "--model", str(folder / "model"),
                "--total-budget", f"{budget:.6f}", "--period-days", str(PERIOD_DAYS),
                "--out", str(plan_path)]  # fmt: skip
    subprocess.run(optimize, check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    # The same model's posterior-optimal bet, channels the data cannot judge moved too.
    bet_path = folder / "bet.csv"
    bet = [*optimize[:-1], str(bet_path), "--move-unidentified"]
    subprocess.run(bet, check=True, capture_output=True, text=True)
    summary = pd.read_csv(folder / "model" / "channel_summary.csv").set_index("channel")
    plan = pd.read_csv(plan_path).set_index("channel")
    names = data.channels
    bet_plan = pd.read_csv(bet_path).set_index("channel")
    return {
        "bet_daily_spend": bet_plan.loc[names, "optimal_spend"].to_numpy() / PERIOD_DAYS,
        "seconds": seconds,
        "fit_seconds": fit_seconds,
        "fit_cpu_seconds": fit_cpu_seconds,
        "roi": summary.loc[names, "roi"].to_numpy(),
        "roi_low": summary.loc[names, "roi_low"].to_numpy(),
        "roi_high": summary.loc[names, "roi_high"].to_numpy(),
        "contribution": summary.loc[names, "contribution"].to_numpy(),
        "daily_spend": plan.loc[names, "optimal_spend"].to_numpy() / PERIOD_DAYS,
        "identified": int(summary["identified"].sum()),
        "identified_mask": summary.loc[names, "identified"].to_numpy(dtype=bool),
    }


def _children_cpu() -> float:
    """User + system CPU seconds of the finished subprocesses so far (theirs included)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class PymcCurve:
    """A channel's posterior-mean response per day, rebuilt from pymc-marketing's draws:
    beta * logistic(lam * adstock(x) / channel_scale) * target_scale, averaged over draws
    (per row, then divided by the row's ``days``)."""

    def __init__(self, spend: np.ndarray, result: dict, c: int, days: int = 1):
        self.days = days
        mean = spend.mean()
        lags = np.arange(result["l_max"])
        relative = []
        for alpha in np.asarray(result["draws"]["adstock_alpha"])[:, c]:
            weights = alpha**lags / np.sum(alpha**lags)
            relative.append(np.convolve(spend, weights)[: len(spend)] / mean)
        self.relative = np.array(relative)
        self.lam = np.asarray(result["draws"]["saturation_lam"])[:, c]
        self.beta = np.asarray(result["draws"]["saturation_beta"])[:, c]
        self.scale = result["channel_scale"][c]
        self.target_scale = result["target_scale"]

    def value(self, spend) -> np.ndarray:
        per_row = float(np.atleast_1d(spend)[0]) * self.days
        z = self.lam[:, None] * per_row * self.relative / self.scale
        level = (1 - np.exp(-z)) / (1 + np.exp(-z))
        return np.array([np.mean(self.beta[:, None] * level) * self.target_scale / self.days])

    def marginal(self, spend) -> np.ndarray:
        s = float(np.atleast_1d(spend)[0])
        step = max(1e-4 * s, 1e-2)
        low = max(s - step, 0.0)
        return (self.value(s + step) - self.value(low)) / (s + step - low)


def run_pymc(data, python: str, seed: int) -> dict:
    days = period_days(data)
    result = pymc_result(
        python, data.frame, channels=data.channels, controls=data.controls, events=data.events,
        target="revenue", holdout_days=holdout_rows(data), seed=seed,
        l_max=WEEKLY_L_MAX if days == 7 else None,
    )  # fmt: skip
    train = data.frame.iloc[: len(data.frame) - holdout_rows(data)]
    spend = train[data.channels].sum().to_numpy()
    sums = np.asarray(result["contribution_sums"])
    low, high = np.percentile(sums / spend, [5, 95], axis=0)
    curves = [
        PymcCurve(train[n].to_numpy(float), result, c, days) for c, n in enumerate(data.channels)
    ]
    current = current_spend(data, train)
    plan = maximize_response(curves, current.sum(), np.zeros(len(current)), MAX_RATIO * current)
    return {
        "seconds": result["warm_fit_seconds"],
        "fit_seconds": result["warm_fit_seconds"],
        "roi": sums.mean(axis=0) / spend,
        "roi_low": low,
        "roi_high": high,
        "contribution": sums.mean(axis=0),
        "daily_spend": plan.spend,
        "divergences": result["divergences"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--levels", default=",".join(LEVELS))
    parser.add_argument("--seeds", help="Comma-separated; default: --count fresh random seeds.")
    parser.add_argument(
        "--count", type=int, default=5,
        help="Fresh seeds per level when --seeds is not given (regret varies a lot from one "
        "account to the next: three seeds rank two models little better than a coin).",
    )  # fmt: skip
    parser.add_argument("--pymc-python", default=str(DEFAULT_PYTHON))
    parser.add_argument("--json", help="Also write every row to this file.")
    args = parser.parse_args()
    seeds = (
        [int(s) for s in args.seeds.split(",")]
        if args.seeds
        else [1000 + secrets.randbelow(10**6) for _ in range(args.count)]
    )
    print(f"seeds: {','.join(map(str, seeds))}", flush=True)
    pymc = args.pymc_python if Path(args.pymc_python).exists() else None
    if pymc is None:
        print("pymc-marketing: no Python with it (make bench-mmm makes one); Cerebro only.")
    rows = []
    for level in args.levels.split(","):
        for seed in seeds:
            data = generate(level, seed)
            train = data.frame.iloc[: len(data.frame) - holdout_rows(data)]
            runs = {}
            with tempfile.TemporaryDirectory() as directory:
                write(data, directory)
                runs["cerebro"] = run_cerebro(data, Path(directory))
            if pymc:
                runs["pymc-marketing"] = run_pymc(data, pymc, seed)
            for model, run in runs.items():
                metrics = score(
                    data, train, **{k: run[k] for k in ("roi", "roi_low", "roi_high",
                                                        "contribution", "daily_spend")},
                )  # fmt: skip
                if "bet_daily_spend" in run:
                    metrics["bet_regret_%"] = regret(
                        true_curves(data, train), current_spend(data, train),
                        run["bet_daily_spend"],
                    )  # fmt: skip
                if "identified_mask" in run:
                    metrics |= identified_scores(data, run)
                rows.append({"level": level, "seed": seed, "model": model,
                             "channels": len(data.channels), "seconds": run["seconds"],
                             "fit_seconds": run["fit_seconds"],
                             "fit_cpu_seconds": run.get("fit_cpu_seconds", np.nan),
                             **metrics})  # fmt: skip
                print(json.dumps(rows[-1]), flush=True)
    table = pd.DataFrame(rows)
    if args.json:
        table.to_json(args.json, orient="records", indent=1)
    columns = ["roi_error_%", "share_error_pp", "coverage_%", "regret_%", "bet_regret_%",
               "status_quo_regret_%", "identified", "identified_roi_error_%",
               "identified_coverage_%", "seconds", "fit_seconds", "fit_cpu_seconds"]  # fmt: skip
    columns = [c for c in columns if c in table.columns]
    summary = table.groupby(["level", "model"], sort=False)[columns].mean()
    summary.insert(0, "datasets", table.groupby(["level", "model"], sort=False).size())
    print(summary.round(2).to_markdown())
    if pymc:
        print(paired_regret(table).to_markdown(index=False))


def identified_scores(data, run: dict) -> dict:
    """How many channels the model called identified, and its ROI error and 90 % coverage on
    those alone (NaN when none): what the advice moves money on."""
    truth = np.array([data.truth["channels"][name]["roi"] for name in data.channels])
    mask = run["identified_mask"]
    inside = (run["roi_low"] <= truth) & (truth <= run["roi_high"])
    error = np.abs(run["roi"] / truth - 1.0)
    return {
        "identified": int(mask.sum()),
        "identified_roi_error_%": 100.0 * float(error[mask].mean()) if mask.any() else np.nan,
        "identified_coverage_%": 100.0 * float(inside[mask].mean()) if mask.any() else np.nan,
    }


def paired_regret(table: pd.DataFrame) -> pd.DataFrame:
    """Per level, Cerebro's advice regret minus pymc-marketing's on the same datasets: the mean
    difference, its standard error and on how many datasets Cerebro lost less (regret varies far
    more between accounts than between models, so the paired difference is what ranks them)."""
    wide = table.pivot_table(index=["level", "seed"], columns="model", values="regret_%")
    rows = []
    for level, frame in wide.dropna().groupby(level="level", sort=False):
        difference = frame["cerebro"] - frame["pymc-marketing"]
        rows.append({
            "level": level,
            "datasets": len(difference),
            "regret difference (pp)": round(difference.mean(), 2),
            "standard error (pp)": round(difference.std(ddof=1) / np.sqrt(len(difference)), 2)
            if len(difference) > 1 else float("nan"),
            "Cerebro lower on": f"{int((difference < 0).sum())} of {len(difference)}",
        })  # fmt: skip
    return pd.DataFrame(rows)


if __name__ == "__main__":
    main()
