"""Each purchase model a tenant can be scored with (BG/NBD, MBG/NBD) + Gamma-Gamma at scale:
lifetimes used as documented vs Cerebro's path.

    make bench-clv                                   # 1 000 000 customers
    python benchmarks/clv_benchmark.py --customers 20000

Customers are simulated from CDNOW's published parameters (Fader, Hardie & Lee 2005; Fader &
Hardie 2013) in days, over CDNOW's 78 weeks, with BG/NBD's own process
(``simulate_repeat_times``), and summarized by day as the platform does. For each purchase
model, both paths fit it and Gamma-Gamma on the same summary and score prob_alive, 90-day
expected purchases and the 12-month CLV (1 % monthly discount), lifetimes with the fitter of
the same model (``BetaGeoFitter``, ``ModifiedBetaGeoFitter``). The choice a tenant's run adds
(both models backtested on the last 90 days, ``model_choice``) is timed on its own. Times are
wall-clock on this machine, plus the process's CPU time (less sensitive to other jobs sharing
the cores); peak memory is measured in a second pass under tracemalloc (which slows Python
code, so it is not timed). lifetimes can be limited to a sample (``--lifetimes-customers``)
where it is too slow; the equality is then measured on that sample. Not a test: nothing fails.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import time
import tracemalloc
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from tap_cerebro_demo.generator.purchases import simulate_repeat_times

from ml_assets.clv import gamma_gamma_math
from ml_assets.clv.bgnbd import BetaGeoModel
from ml_assets.clv.gamma_gamma import GammaGammaModel
from ml_assets.clv.mbgnbd import ModifiedBetaGeoModel
from ml_assets.clv.model_choice import choose_purchase_model
from ml_assets.clv.predict import score_customers
from ml_assets.clv.purchase_model import PurchaseModel
from ml_assets.clv.settings import ClvSettings
from ml_assets.clv.summaries import HoldoutSummary, summarize_holdout
from ml_assets.clv.transactions import customer_histories, daily_transactions

with warnings.catch_warnings():
    # lifetimes predates pandas 3 and setuptools 81: its imports warn.
    warnings.simplefilter("ignore")
    from lifetimes import BetaGeoFitter, GammaGammaFitter, ModifiedBetaGeoFitter
    from lifetimes.utils import ConvergenceError

#: CDNOW's published parameters, rates per day (alpha: 4.414 weeks x 7).
BGNBD = {"r": 0.243, "alpha": 4.414 * 7, "a": 0.793, "b": 2.426}
GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "v": 15.44}
DAYS = 546
COMPARED = ("prob_alive", "expected_purchases_90d", "predicted_clv_12m")
#: Each model a tenant can be scored with, and lifetimes' fitter of the same model.
MODELS: dict[str, tuple[type[PurchaseModel], type]] = {
    "BG/NBD": (BetaGeoModel, BetaGeoFitter),
    "MBG/NBD": (ModifiedBetaGeoModel, ModifiedBetaGeoFitter),
}
HOLDOUT_DAYS = 90


def simulate_summary(customers: int, seed: int) -> tuple[pd.DataFrame, HoldoutSummary]:
    """frequency, recency, T (days) and monetary_value of simulated customers, and the
    backtest's summaries of the same transactions (the last 90 days held out)."""
    rng = np.random.default_rng(seed)
    birth = rng.uniform(0, DAYS, customers)
    rate = rng.gamma(BGNBD["r"], 1 / BGNBD["alpha"], customers)
    dropout = rng.beta(BGNBD["a"], BGNBD["b"], customers)
    who, when = simulate_repeat_times(rng, birth, rate, dropout, float(DAYS))
    spend_rate = rng.gamma(GAMMA_GAMMA["q"], 1 / GAMMA_GAMMA["v"], customers)
    customer = np.concatenate([np.arange(customers), who])
    times = np.concatenate([birth, when])
    transactions = pd.DataFrame(
        {
            "customer_id": customer,
            "transaction_date": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(np.floor(times), unit="D"),
            "amount": rng.gamma(GAMMA_GAMMA["p"], 1 / spend_rate[customer]),
        }
    )
    cutoff = pd.Timestamp("2024-01-01") + pd.Timedelta(days=DAYS - 1)
    daily = daily_transactions(transactions)
    return customer_histories(daily, cutoff), summarize_holdout(daily, cutoff, HOLDOUT_DAYS)


@dataclass
class PathResult:
    name: str
    fit_seconds: float
    score_seconds: float
    cpu_seconds: float
    predictions: pd.DataFrame
    params: dict
    peak_mib: float = float("nan")


def lifetimes_path(summary: pd.DataFrame, fitter_class) -> tuple[Callable, Callable]:
    """lifetimes as its documentation shows: fit on every customer, then score every one."""
    f, r, t, m = summary["frequency"], summary["recency"], summary["T"], summary["monetary_value"]
    repeat = summary[summary["frequency"] > 0]

    def fit():
        with contextlib.redirect_stdout(io.StringIO()):
            bgf = fitter_class(penalizer_coef=0.0).fit(f, r, t)
        ggf = GammaGammaFitter(penalizer_coef=0.0).fit(
            repeat["frequency"], repeat["monetary_value"]
        )
        return bgf, ggf

    def score(models):
        bgf, ggf = models
        expected = bgf.conditional_expected_number_of_purchases_up_to_time
        # lifetimes' CLV calls the transaction model's predict, which only fit() sets.
        bgf.predict = expected
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pd.DataFrame(
                {
                    "prob_alive": bgf.conditional_probability_alive(f, r, t),
                    "expected_purchases_90d": expected(90, f, r, t),
                    "predicted_clv_12m": ggf.customer_lifetime_value(
                        bgf, f, r, t, m, time=12, discount_rate=0.01, freq="D"
                    ).to_numpy(),
                },
                index=summary.index,
            )

    return fit, score


def cerebro_path(
    summary: pd.DataFrame, model_class: type[PurchaseModel]
) -> tuple[Callable, Callable]:
    """ml_assets.clv: fits on distinct histories, scores distinct histories."""
    repeat = summary[summary["frequency"] > 0]
    settings = ClvSettings()

    def fit():
        purchases = model_class().fit(summary["frequency"], summary["recency"], summary["T"])
        gamma_gamma = GammaGammaModel().fit(repeat["frequency"], repeat["monetary_value"])
        return purchases, gamma_gamma

    def score(models):
        purchases, gamma_gamma = models
        spend = gamma_gamma.conditional_expected_spend(
            summary["frequency"], summary["monetary_value"]
        )
        return score_customers(summary, purchases, spend, settings, horizons=(90,))[list(COMPARED)]

    return fit, score


def _params(models) -> dict:
    return {name: float(v) for model in models for name, v in dict(model.params_).items()}


def run(name: str, path: tuple[Callable, Callable], *, memory: bool) -> PathResult:
    fit, score = path
    cpu_started, started = time.process_time(), time.perf_counter()
    models = fit()
    fitted = time.perf_counter()
    predictions = score(models)
    done, cpu = time.perf_counter(), time.process_time() - cpu_started
    result = PathResult(name, fitted - started, done - fitted, cpu, predictions, _params(models))
    if memory:
        tracemalloc.start()
        score(fit())
        result.peak_mib = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return result


def log_likelihoods(
    params: dict, summary: pd.DataFrame, model_class: type[PurchaseModel]
) -> tuple[float, float]:
    """The purchase model's and Gamma-Gamma's log-likelihoods of the summary at ``params``:
    the better fit of the two paths is the one with the higher values."""
    x, t_x, t = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    repeat = summary[summary["frequency"] > 0]
    purchases = model_class.formulas.log_likelihood(
        *(params[k] for k in ("r", "alpha", "a", "b")), x, t_x, t
    )
    spend = gamma_gamma_math.log_likelihood(
        *(params[k] for k in ("p", "q", "v")),
        repeat["frequency"].to_numpy(float),
        repeat["monetary_value"].to_numpy(float),
    )
    return float(purchases.sum()), float(spend.sum())


def max_relative_difference(ours: pd.DataFrame, theirs: pd.DataFrame) -> float:
    ours, theirs = ours[list(COMPARED)].to_numpy(), theirs[list(COMPARED)].to_numpy()
    return float(np.max(np.abs(ours - theirs) / np.maximum(np.abs(theirs), 1e-300)))


def _fit_tightly(fitter_class, *columns):
    """lifetimes fitted to the tightest gradient tolerance its BFGS reaches, and that tolerance:
    on a small, flat likelihood 1e-9 can end in a precision-loss "did not converge" (which
    lifetimes also prints to stdout), then 1e-8 is tried."""
    for tol in (1e-9, 1e-8):
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            try:
                return fitter_class().fit(*columns, tol=tol), tol
            except ConvergenceError:
                continue
    return fitter_class().fit(*columns), 1e-7


def compare_model(
    label: str, summary: pd.DataFrame, sample: pd.DataFrame, *, memory: bool
) -> list[PathResult]:
    """lifetimes (on ``sample``) and ours (on every customer) for one purchase model, and
    printed lines on how far apart their predictions and parameters are."""
    model_class, fitter_class = MODELS[label]
    theirs = run(
        f"lifetimes 0.11.3 {label} (documented)", lifetimes_path(sample, fitter_class),
        memory=memory,
    )  # fmt: skip
    ours = run(f"cerebro {label}", cerebro_path(summary, model_class), memory=memory)
    # On lifetimes' sample: our fit there, their formulas on our scoring's parameters.
    ours_on_sample = cerebro_path(sample, model_class)
    ours_sample_models = ours_on_sample[0]()
    ours_sample = ours_on_sample[1](ours_sample_models)
    sample_params = _params(ours_sample_models)

    # lifetimes stops at a gradient of 1e-7 (its default tol): converged further, it lands
    # where we do, which separates the optimizers' stopping points from the formulas.
    repeat_buyers = sample[sample["frequency"] > 0]
    (purchases, purchases_tol), (gamma_gamma, gamma_gamma_tol) = (
        _fit_tightly(fitter_class, sample["frequency"], sample["recency"], sample["T"]),
        _fit_tightly(GammaGammaFitter, repeat_buyers["frequency"], repeat_buyers["monetary_value"]),
    )
    converged_predictions = lifetimes_path(sample, fitter_class)[1]((purchases, gamma_gamma))
    # The same formulas on the same parameters: lifetimes' fit, our scoring.
    fitted = (
        model_class.from_dict({"model": model_class.name, "params": theirs.params}),
        GammaGammaModel.from_dict({"model": "gamma_gamma", "params": theirs.params}),
    )
    same_params = cerebro_path(sample, model_class)[1](fitted)
    print(
        f"{label}: max relative difference of the predictions (prob_alive, 90-day purchases, "
        f"12-month CLV) on {len(sample):,} customers: "
        f"{max_relative_difference(ours_sample, theirs.predictions):.2e} (each path's own fit); "
        f"{max_relative_difference(same_params, theirs.predictions):.2e} (lifetimes' parameters); "
        f"{max_relative_difference(ours_sample, converged_predictions):.2e} (lifetimes "
        f"fitted to tol={purchases_tol:g} / {gamma_gamma_tol:g})"
    )
    print(
        f"{label}: max relative difference of the parameters: "
        + ", ".join(
            f"{name} {abs(sample_params[name] / theirs.params[name] - 1):.1e}"
            for name in sample_params
        )
    )
    (theirs_purchases, theirs_spend), (ours_purchases, ours_spend) = (
        log_likelihoods(theirs.params, sample, model_class),
        log_likelihoods(sample_params, sample, model_class),
    )
    print(
        f"{label}: log-likelihood, ours minus lifetimes' (positive: ours is nearer the maximum): "
        f"{label} {ours_purchases - theirs_purchases:+.2e}, "
        f"Gamma-Gamma {ours_spend - theirs_spend:+.2e}"
    )
    return [theirs, ours]


def time_choice(holdout: HoldoutSummary) -> PathResult:
    """What a tenant's run adds to fit + score: both models backtested on the holdout."""
    cpu_started, started = time.process_time(), time.perf_counter()
    choice = choose_purchase_model(holdout, ClvSettings())
    done, cpu = time.perf_counter(), time.process_time() - cpu_started
    print(f"model choice on the simulated customers: {choice.reason}")
    return PathResult("cerebro model choice (both backtested)", done - started, 0.0, cpu,
                      pd.DataFrame(), {})  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument(
        "--lifetimes-customers", type=int, default=None,
        help="run lifetimes on this many of the customers (default: all of them)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc pass")
    options = parser.parse_args()

    print(f"Simulating {options.customers:,} customers (CDNOW parameters, {DAYS} days)…")
    summary, holdout = simulate_summary(options.customers, options.seed)
    distinct = len(summary.groupby(["frequency", "recency", "T"]))
    repeat = int((summary["frequency"] > 0).sum())
    print(f"{len(summary):,} customers, {repeat:,} repeat buyers, {distinct:,} distinct histories")
    sample = summary
    if options.lifetimes_customers and options.lifetimes_customers < len(summary):
        sample = summary.sample(options.lifetimes_customers, random_state=options.seed)

    results = []
    for label in MODELS:
        results += compare_model(label, summary, sample, memory=not options.no_memory)
    results.append(time_choice(holdout))

    rows = [
        [r.name, f"{r.fit_seconds:.2f}", f"{r.score_seconds:.2f}",
         f"{r.fit_seconds + r.score_seconds:.2f}", f"{r.cpu_seconds:.2f}", f"{r.peak_mib:.0f}"]
        for r in results
    ]  # fmt: skip
    columns = ["path", "fit s", "score s", "total s", "total CPU s", "peak MiB"]
    table = pd.DataFrame(rows, columns=columns).set_index("path")
    print()
    print(table.to_string())
    print()
    for theirs, ours in zip(results[0:-1:2], results[1:-1:2], strict=True):
        share = len(sample) / len(summary)
        # lifetimes' cost grows linearly with customers: scaled up when it ran on a sample.
        speed_up = (
            (theirs.fit_seconds + theirs.score_seconds)
            / share
            / (ours.fit_seconds + ours.score_seconds)
        )
        print(f"speed-up, fit + score, {ours.name.removeprefix('cerebro ')}: {speed_up:.1f}x")


if __name__ == "__main__":
    main()
