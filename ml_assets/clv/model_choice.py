"""Which purchase model scores a tenant's customers: BG/NBD or MBG/NBD, chosen by the holdout
backtest (decisions 0045 and 0080).

Both are fitted on the calibration period and predict each customer's purchases in the
holdout. Three questions, in order:

1. Does one predict the holdout's purchases better, beyond chance? Each customer's Poisson
   deviance (a proper scoring rule for an expected count: on average lowest for the true
   expectations) is compared between the two models, customer by customer; a model whose mean
   is lower by more than ``SIGNIFICANT_DIFFERENCE`` standard errors of the paired difference
   wins. (The mean absolute error would not do: it rewards predicting the median, zero for most
   customers.)
2. If the holdout's purchases cannot tell them apart (on CDNOW's 23 570 customers they cannot:
   0.7 standard errors), does one fit the calibration period's histories clearly better? Both
   models have four parameters, so the likelihoods compare as they are (as AIC would): one
   more likely by more than ``DECISIVE_LOG_LIKELIHOOD`` wins. The calibration period holds far
   more of each customer's history than the holdout, and it tells the stories apart where the
   holdout cannot: on 20 000 customers simulated from BG/NBD whose holdout ties, it favours
   BG/NBD by 23 (tests/ml_assets/clv/test_clv_model_choice.py); on CDNOW's full log, MBG/NBD
   by 8.
3. If neither, the churn radar decides: the model whose P(alive) ranks who bought again in the
   holdout better (AUC) wins. BG/NBD gives every one-time buyer P(alive) = 1, so where most
   customers bought once its ranking is worse than a coin flip. The ranking is not a test of
   P(alive) itself (who buys again is not who is alive: under BG/NBD a one-time buyer is alive
   but slow), which is why it only decides what the likelihood leaves open; decided by it
   alone, BG/NBD's own customers were given MBG/NBD 5 times in 6 and over twice the true share
   gone (``make bench-radar``).

BG/NBD, the model the platform started with, is kept when it wins any question, on a full
tie, when neither backtest could run, or when the tenant's settings name it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from ml_assets.clv.backtest import Backtest, SkippedBacktest, backtest_summary
from ml_assets.clv.bgnbd import BetaGeoModel
from ml_assets.clv.mbgnbd import ModifiedBetaGeoModel
from ml_assets.clv.purchase_model import PurchaseModel
from ml_assets.clv.settings import CHOSEN_BY_BACKTEST, ClvSettings
from ml_assets.clv.summaries import HoldoutSummary, customer_weights

#: Every model a tenant can be scored with, by name, in order of preference on a tie.
PURCHASE_MODELS: dict[str, type[PurchaseModel]] = {
    model.name: model for model in (BetaGeoModel, ModifiedBetaGeoModel)
}
DEFAULT_MODEL = BetaGeoModel.name
#: Standard errors of the paired difference in mean deviance beyond which one model predicts
#: the holdout's purchases better (about 95 % two-sided under normality).
SIGNIFICANT_DIFFERENCE = 2.0
#: A calibration log-likelihood higher by more than this decides between models the holdout
#: cannot separate: an AIC difference of 4 between models of as many parameters, "considerably
#: less support" for the other in Burnham & Anderson's (2002) reading of AIC differences.
DECISIVE_LOG_LIKELIHOOD = 2.0


@dataclass(frozen=True)
class ModelChoice:
    """The chosen purchase model's name, why (one English sentence), and the backtest of
    every candidate."""

    model: str
    reason: str
    backtests: dict[str, Backtest | SkippedBacktest]

    @property
    def model_class(self) -> type[PurchaseModel]:
        return PURCHASE_MODELS[self.model]

    def backtests_json(self) -> str:
        """Each candidate's backtest scores, or why it was skipped, as JSON (the model-run
        record's ``backtest_candidates``)."""
        return json.dumps({name: _scores(result) for name, result in self.backtests.items()})


def _scores(result: Backtest | SkippedBacktest) -> dict:
    if isinstance(result, SkippedBacktest):
        return {"status": "skipped", "reason": result.reason}
    return {
        "status": "ran",
        "penalizer": result.penalizer,
        "mean_poisson_deviance": result.mean_poisson_deviance,
        "prob_alive_auc": result.prob_alive_auc,
        "log_likelihood": result.log_likelihood,
        "relative_error": result.relative_error,
        "mean_absolute_error": result.mean_absolute_error,
        "predicted_purchases": result.predicted_purchases,
        "actual_purchases": result.actual_purchases,
    }


def choose_purchase_model(holdout: HoldoutSummary, settings: ClvSettings) -> ModelChoice:
    """Backtest the candidates on ``holdout`` with the tenant's penalizer and choose (or take
    the model the settings name, backtested alone)."""
    if settings.purchase_model != CHOSEN_BY_BACKTEST:
        name = settings.purchase_model
        tested = _backtest(holdout, name, settings)
        reason = f"{PURCHASE_MODELS[name].label} set in the settings (purchase_model: {name})"
        return ModelChoice(name, reason, {name: tested})
    backtests = {name: _backtest(holdout, name, settings) for name in PURCHASE_MODELS}
    ran = {name: result for name, result in backtests.items() if isinstance(result, Backtest)}
    skipped = "".join(
        f"; {PURCHASE_MODELS[name].label} could not be backtested ({result.reason})"
        for name, result in backtests.items()
        if isinstance(result, SkippedBacktest)
    )
    if not ran:
        label = PURCHASE_MODELS[DEFAULT_MODEL].label
        return ModelChoice(DEFAULT_MODEL, f"{label} by default{skipped}", backtests)
    if len(ran) == 1:
        (name,) = ran
        return ModelChoice(name, f"{PURCHASE_MODELS[name].label}{skipped}", backtests)
    weights = customer_weights(holdout.histories)
    winner, reason = _compare(ran, weights)
    return ModelChoice(winner, reason + skipped, backtests)


def _backtest(holdout: HoldoutSummary, name: str, settings: ClvSettings):
    """The model's backtest with the tenant's penalizer, retried with ``retry_penalizer`` when
    its calibration fit does not converge: each candidate is tested as the tenant's fit would
    fit it (``predict._fit_purchases`` retries the same way)."""
    model = PURCHASE_MODELS[name]
    tested = backtest_summary(holdout, model=model, penalizer=settings.penalizer)
    retry = settings.retry_penalizer
    can_retry = retry is not None and retry > settings.penalizer
    if isinstance(tested, SkippedBacktest) and tested.not_converged and can_retry:
        tested = backtest_summary(holdout, model=model, penalizer=retry)
    return tested


def paired_difference(better: Backtest, worse: Backtest, weights: np.ndarray) -> float:
    """How many standard errors of the mean the customers' deviance under ``worse`` exceeds
    their deviance under ``better`` (paired: the same customers, each counted by its weight);
    infinite when the two differ by the same amount for every customer."""
    difference = worse.row_deviances - better.row_deviances
    total = weights.sum()
    mean = difference @ weights / total
    variance = ((difference - mean) ** 2) @ weights / max(total - 1, 1)
    if variance == 0:
        return 0.0 if mean == 0 else float("inf")
    return float(mean / np.sqrt(variance / total))


def _compare(ran: dict[str, Backtest], weights: np.ndarray) -> tuple[str, str]:
    """The winner among backtested candidates and the sentence that says why."""
    # min() and max() keep the first of equals: the order of PURCHASE_MODELS breaks ties.
    best = min(ran, key=lambda name: ran[name].mean_poisson_deviance)
    gaps = {
        name: paired_difference(ran[best], result, weights)
        for name, result in ran.items()
        if name != best
    }
    deviances = ", ".join(
        f"{PURCHASE_MODELS[name].label} {result.mean_poisson_deviance:.4f}"
        for name, result in ran.items()
    )
    days = ran[best].holdout_days
    if all(gap > SIGNIFICANT_DIFFERENCE for gap in gaps.values()):
        closest = min(gaps.values())
        return best, (
            f"{PURCHASE_MODELS[best].label}: it predicted the {days}-day holdout's purchases "
            f"better (mean Poisson deviance {deviances}; {closest:.1f} standard errors apart)"
        )
    tied = [best, *(name for name, gap in gaps.items() if gap <= SIGNIFICANT_DIFFERENCE)]
    tied = [name for name in PURCHASE_MODELS if name in tied]
    winner, why = _untie(ran, tied)
    return winner, (
        f"{PURCHASE_MODELS[winner].label}: the {days}-day holdout's purchases cannot tell the "
        f"models apart (mean Poisson deviance {deviances}; "
        f"{max(gaps.values()):.1f} standard errors apart at most), and {why}"
    )


def _untie(ran: dict[str, Backtest], tied: list[str]) -> tuple[str, str]:
    """Among models the holdout cannot separate (``tied``, in order of preference): the one
    that fits the calibration period clearly better, else the one whose P(alive) ranks who
    bought again better, else the first; and the end of the sentence that says why."""
    likelihoods = ", ".join(
        f"{PURCHASE_MODELS[name].label} {ran[name].log_likelihood:.1f}" for name in tied
    )
    likeliest = max(tied, key=lambda name: ran[name].log_likelihood)
    margin = min(
        (ran[likeliest].log_likelihood - ran[name].log_likelihood for name in tied
         if name != likeliest),
        default=float("inf"),
    )  # fmt: skip
    if margin > DECISIVE_LOG_LIKELIHOOD:
        return likeliest, (
            f"it fits the calibration period's histories better (log-likelihood {likelihoods}; "
            f"{margin:.1f} apart, both models with four parameters)"
        )
    as_likely = (
        f"the calibration period's likelihoods are within {DECISIVE_LOG_LIKELIHOOD:g} "
        f"(log-likelihood {likelihoods}), so the radar decides"
    )
    close = [
        name
        for name in tied
        if ran[likeliest].log_likelihood - ran[name].log_likelihood <= DECISIVE_LOG_LIKELIHOOD
    ]
    aucs = {name: ran[name].prob_alive_auc for name in close}
    ranked = [name for name in close if aucs[name] is not None]
    winner = max(ranked, key=lambda name: aucs[name]) if ranked else close[0]
    listed = ", ".join(f"{PURCHASE_MODELS[name].label} {aucs[name]:.2f}" for name in ranked)
    if not ranked:
        why = "it is the default (nobody, or everybody, bought again: nothing to rank)"
    elif all(aucs[name] < aucs[winner] for name in ranked if name != winner):
        why = f"its P(alive) ranks who bought again better (AUC {listed})"
    else:
        why = f"it is the default, its P(alive) ranking who bought again as well (AUC {listed})"
    return winner, f"{as_likely}: {why}"
