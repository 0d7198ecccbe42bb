"""The purchase model a tenant is scored with: chosen by the holdout backtest.

Oracles: simulated truth (customers who buy and leave as BG/NBD says, through the demo
generator's process, itself tested against the papers' closed forms; or as MBG/NBD says, the
same process with a dropout chance right after the first purchase too; and who is alive at
the end, from ``benchmarks/textbook_customers.py``, tested against the models' closed forms),
scipy's Mann-Whitney U for the weighted AUC, and plain arithmetic for the paired comparison.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import mannwhitneyu
from tap_cerebro_demo.generator.purchases import simulate_repeat_times

from benchmarks.textbook_customers import simulate_customers
from ml_assets.clv.backtest import Backtest, poisson_deviance, weighted_auc
from ml_assets.clv.mbgnbd import ModifiedBetaGeoModel
from ml_assets.clv.model_choice import (
    DECISIVE_LOG_LIKELIHOOD,
    PURCHASE_MODELS,
    SIGNIFICANT_DIFFERENCE,
    choose_purchase_model,
    paired_difference,
)
from ml_assets.clv.predict import predict_customer_value
from ml_assets.clv.settings import PURCHASE_MODELS as SETTING_NAMES
from ml_assets.clv.settings import ClvSettings
from ml_assets.clv.summaries import summarize_holdout
from ml_assets.clv.transactions import daily_transactions
from tests.ml_assets.clv.clv_simulation import START

#: Frequent buyers who leave slowly: 30 000 of them let a 90-day holdout tell the models apart.
FREQUENT = {"r": 2.0, "alpha": 30.0, "a": 0.8, "b": 6.0}
DAYS = 540


def _holdout(seed: int, n: int, *, leave_after_first: bool, r, alpha, a, b):
    """The backtest's summaries of simulated customers born uniformly over ``DAYS``."""
    rng = np.random.default_rng(seed)
    birth = rng.uniform(0, DAYS, n)
    rate, dropout = rng.gamma(r, 1 / alpha, n), rng.beta(a, b, n)
    # MBG/NBD: the first purchase is followed by a dropout chance too; BG/NBD: it is not.
    stays = rng.random(n) >= dropout if leave_after_first else np.ones(n, dtype=bool)
    buyers = np.flatnonzero(stays)
    who, when = simulate_repeat_times(rng, birth[buyers], rate[buyers], dropout[buyers], DAYS)
    customer = np.concatenate([np.arange(n), buyers[who]])
    times = np.concatenate([birth, when])
    transactions = pd.DataFrame(
        {
            "customer_id": customer.astype(str),
            "transaction_date": START + pd.to_timedelta(np.floor(times), unit="D"),
            "amount": 1.0,
        }
    )
    return summarize_holdout(
        daily_transactions(transactions), START + pd.Timedelta(days=DAYS - 1), 90
    )


def test_the_settings_and_the_choice_know_the_same_models():
    assert tuple(PURCHASE_MODELS) == SETTING_NAMES == ("bgnbd", "mbgnbd")
    assert [model.name for model in PURCHASE_MODELS.values()] == list(PURCHASE_MODELS)


def test_bgnbd_is_kept_where_it_predicts_the_holdout_better():
    """Customers who can only leave after a repeat purchase: BG/NBD's purchase predictions
    are better beyond chance, so it is kept, although MBG/NBD's P(alive) would rank who
    bought again better (P(alive) is not the chance of a purchase)."""
    holdout = _holdout(3, 30_000, leave_after_first=False, **FREQUENT)
    choice = choose_purchase_model(holdout, ClvSettings())
    assert choice.model == "bgnbd", choice.reason
    assert choice.reason.startswith("BG/NBD: it predicted the 90-day holdout's purchases better")
    bgnbd, mbgnbd = choice.backtests["bgnbd"], choice.backtests["mbgnbd"]
    assert bgnbd.mean_poisson_deviance < mbgnbd.mean_poisson_deviance
    weights = np.ones(len(holdout.histories))
    assert paired_difference(bgnbd, mbgnbd, weights) > SIGNIFICANT_DIFFERENCE


def test_mbgnbd_is_chosen_where_customers_also_leave_after_their_first_purchase():
    holdout = _holdout(4, 30_000, leave_after_first=True, **FREQUENT)
    choice = choose_purchase_model(holdout, ClvSettings())
    assert choice.model == "mbgnbd", choice.reason
    scores = choice.backtests
    assert scores["mbgnbd"].mean_poisson_deviance < scores["bgnbd"].mean_poisson_deviance
    assert scores["mbgnbd"].prob_alive_auc > scores["bgnbd"].prob_alive_auc


def test_when_neither_the_purchases_nor_the_likelihoods_tell_them_apart_the_radar_decides():
    """A small tenant: 2 000 customers give the holdout too few purchases to separate the two
    models' predictions, and their calibration fits are about as likely; P(alive)'s AUC for
    "bought again" decides, and BG/NBD's is worse because every one-time buyer gets 1."""
    holdout = _holdout(5, 2_000, leave_after_first=True, r=0.25, alpha=30.0, a=0.8, b=2.4)
    choice = choose_purchase_model(holdout, ClvSettings())
    assert "cannot tell the models apart" in choice.reason, choice.reason
    assert "likelihoods are within 2" in choice.reason, choice.reason
    assert choice.model == "mbgnbd" and "ranks who bought again better (AUC" in choice.reason
    scores = choice.backtests
    assert scores["mbgnbd"].prob_alive_auc > scores["bgnbd"].prob_alive_auc
    gap = abs(scores["mbgnbd"].log_likelihood - scores["bgnbd"].log_likelihood)
    assert gap <= DECISIVE_LOG_LIKELIHOOD


def test_where_the_holdout_cannot_tell_them_apart_the_calibration_likelihood_decides():
    """BG/NBD's own customers (CDNOW's published BG/NBD fit, 20 000 of them): the 90-day
    holdout's purchases do not separate the models and MBG/NBD's P(alive) ranks who bought
    again better (a one-time buyer is alive but slow under BG/NBD, and MBG/NBD calls the slow
    ones gone), yet the calibration period's histories are far likelier under BG/NBD, which
    is kept: chosen by the ranking, these customers were given MBG/NBD."""
    simulated = simulate_customers("bgnbd", 5103, 20_000, 540)
    holdout = summarize_holdout(daily_transactions(simulated.transactions), simulated.last_day, 90)
    choice = choose_purchase_model(holdout, ClvSettings())
    assert choice.model == "bgnbd", choice.reason
    assert "cannot tell the models apart" in choice.reason
    assert "it fits the calibration period's histories better (log-likelihood" in choice.reason
    scores = choice.backtests
    assert (
        scores["bgnbd"].log_likelihood - scores["mbgnbd"].log_likelihood > DECISIVE_LOG_LIKELIHOOD
    )
    assert scores["mbgnbd"].prob_alive_auc > scores["bgnbd"].prob_alive_auc


@pytest.mark.parametrize("process", ["bgnbd", "mbgnbd"])
def test_the_chosen_model_says_how_many_of_its_own_customers_are_gone(process):
    """Customers simulated from each model with its published CDNOW fit (a seed not looked at
    while the rule was written): the tenant gets that model, and the share of customers its
    P(alive) says are gone is the simulated share, within 3 points. On BG/NBD's customers
    MBG/NBD would say more than twice as many."""
    simulated = simulate_customers(process, 5101, 20_000, 540)
    result = predict_customer_value(simulated.transactions, cutoff=simulated.last_day)
    predictions = result.predictions
    truly_gone = 1 - simulated.alive.reindex(predictions["customer_id"]).mean()
    said_gone = 1 - predictions["prob_alive"].mean()
    assert result.choice.model == process, result.choice.reason
    assert abs(said_gone - truly_gone) < 0.03, (said_gone, truly_gone)
    if process == "bgnbd":
        columns = (predictions["frequency"], predictions["recency"], predictions["T"])
        other = ModifiedBetaGeoModel().fit(*columns).probability_alive(*columns)
        assert 1 - other.mean() > 2 * truly_gone


def test_a_model_named_in_the_settings_is_backtested_alone_and_used():
    holdout = _holdout(6, 2_000, leave_after_first=False, **FREQUENT)
    choice = choose_purchase_model(holdout, ClvSettings(purchase_model="mbgnbd"))
    assert choice.model == "mbgnbd" and list(choice.backtests) == ["mbgnbd"]
    assert choice.reason == "MBG/NBD set in the settings (purchase_model: mbgnbd)"


def test_without_a_backtest_bgnbd_is_the_default_and_the_reason_says_why():
    holdout = _holdout(7, 15, leave_after_first=False, **FREQUENT)
    choice = choose_purchase_model(holdout, ClvSettings())
    assert choice.model == "bgnbd"
    assert choice.reason.startswith("BG/NBD by default; BG/NBD could not be backtested (")
    assert "MBG/NBD could not be backtested" in choice.reason
    assert '"status": "skipped"' in choice.backtests_json()


def test_an_unknown_purchase_model_setting_is_refused():
    with pytest.raises(ValueError, match="purchase_model='pareto'"):
        ClvSettings(purchase_model="pareto")
    assert ClvSettings.from_mapping({"purchase_model": "mbgnbd"}).purchase_model == "mbgnbd"


def test_weighted_auc_is_mann_whitney_on_the_expanded_rows():
    rng = np.random.default_rng(0)
    score = rng.integers(0, 6, 300) / 5.0  # many ties
    positive = rng.random(300) < 0.4
    weights = rng.integers(1, 4, 300)
    expanded_score, expanded_positive = np.repeat(score, weights), np.repeat(positive, weights)
    u = mannwhitneyu(expanded_score[expanded_positive], expanded_score[~expanded_positive])
    expected = u.statistic / (expanded_positive.sum() * (~expanded_positive).sum())
    assert weighted_auc(score, positive, weights.astype(float)) == pytest.approx(expected, 1e-12)
    assert weighted_auc(score, np.ones(300, dtype=bool), weights.astype(float)) is None


def test_paired_difference_counts_each_row_by_its_customers():
    def backtest(deviances):
        return Backtest(None, 90, 0, 0.0, 0, 0.0, pd.DataFrame(), "bgnbd", 0.0,
                        float(np.mean(deviances)), None, 0.0,
                        np.asarray(deviances, float))  # fmt: skip

    better, worse = [0.1, 0.5, 0.2, 0.9], [0.3, 0.4, 0.6, 1.5]
    weights = np.array([2.0, 1.0, 3.0, 1.0])
    difference = np.repeat(np.subtract(worse, better), weights.astype(int))
    expected = difference.mean() / (difference.std(ddof=1) / np.sqrt(difference.size))
    assert paired_difference(backtest(better), backtest(worse), weights) == pytest.approx(expected)


def test_poisson_deviance_is_zero_for_a_perfect_prediction_and_positive_otherwise():
    actual = np.array([0.0, 1.0, 3.0])
    assert poisson_deviance(actual, actual + 1e-300).max() == pytest.approx(0.0, abs=1e-12)
    assert (poisson_deviance(actual, np.array([0.5, 0.5, 0.5])) > 0).all()
    # y = 0: the deviance is 2 mu (y log y = 0).
    assert poisson_deviance(np.array([0.0]), np.array([0.25]))[0] == pytest.approx(0.5)


def test_a_candidate_whose_calibration_fit_does_not_converge_is_retried_as_its_fit_would_be():
    """Every customer has the same dropout probability (0.15): MBG/NBD's a and b run off
    together without a penalty, on the calibration data as on the whole history. The tenant's
    fit would retry with ``retry_penalizer``; its backtest does the same, so the choice compares
    the models as they would be fitted (and says which penalizer each had)."""
    rng = np.random.default_rng(0)
    n = 400
    birth = rng.uniform(0, 300, n)
    who, when = simulate_repeat_times(rng, birth, rng.gamma(2.0, 1 / 40, n), np.full(n, 0.15), 365)
    times = np.concatenate([birth, when])
    transactions = pd.DataFrame(
        {
            "customer_id": np.concatenate([np.arange(n), who]).astype(str),
            "transaction_date": START + pd.to_timedelta(np.floor(times), unit="D"),
            "amount": 1.0,
        }
    )
    holdout = summarize_holdout(
        daily_transactions(transactions), START + pd.Timedelta(days=364), 90
    )
    retried = choose_purchase_model(holdout, ClvSettings())
    assert retried.backtests["bgnbd"].penalizer == 0.0
    assert retried.backtests["mbgnbd"].penalizer == ClvSettings().retry_penalizer
    assert '"penalizer": 0.001' in retried.backtests_json()

    without_retry = choose_purchase_model(holdout, ClvSettings(retry_penalizer=None))
    skipped = without_retry.backtests["mbgnbd"]
    assert skipped.not_converged and "has no finite maximum" in skipped.reason
    assert without_retry.model == "bgnbd"
    assert "MBG/NBD could not be backtested (the MBG/NBD fit has no finite maximum" in (
        without_retry.reason
    )
