"""The churn radar graded on real data: who buys again after CDNOW's calibration period.

Data: the full CDNOW master log (23 570 customers who first bought in 1997's first quarter;
lifetimes ships it), cut-off 1997-09-30, holdout the next 39 weeks (to 1998-06-30): 7 058
customers (29.9 %) bought again, 14 119 of them (59.9 %) one-time buyers at the cut-off, of
whom 14.6 % came back. The radar ranks customers by P(alive) as of the cut-off; the oracle is
what they did next, and the AUC is scipy's Mann-Whitney U over (buyers, non-buyers).

Measured (issue 53): BG/NBD, the model before, gives every one-time buyer P(alive) = 1, so its
P(alive) ranks backwards: AUC 0.32 overall, 0.50 among one-time buyers (all tied). The
purchase model the backtest chooses, MBG/NBD, lets a one-time buyer leave: AUC 0.70 overall,
0.53 among one-time buyers (their only information is how long ago they bought, and all
bought within three months of each other). Its holdout predictions equal lifetimes'
``ModifiedBetaGeoFitter``, fitted as documented on lifetimes' own summary, to far within 1 %.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from lifetimes import ModifiedBetaGeoFitter
from lifetimes.utils import summary_data_from_transaction_data
from scipy.stats import mannwhitneyu

from ml_assets.clv.predict import predict_customer_value
from ml_assets.clv.settings import ClvSettings
from tests.ml_assets.clv.clv_cdnow import CDNOW_CUTOFF

HOLDOUT_DAYS = 39 * 7
COLUMNS = {"customer_column": "customer", "date_column": "order_date", "amount_column": "amount"}
MIN_AUC = 0.65


def _auc(score: pd.Series, bought: pd.Series) -> float:
    """P(a customer who bought again scores above one who did not), ties counting one half."""
    score, bought = score.to_numpy(float), bought.to_numpy(bool)
    u = mannwhitneyu(score[bought], score[~bought]).statistic
    return float(u / (bought.sum() * (~bought).sum()))


@pytest.fixture(scope="module")
def holdout(cdnow_master_transactions) -> pd.Series:
    """Per customer: bought again in the 39 weeks after the cut-off."""
    cutoff = pd.Timestamp(CDNOW_CUTOFF)
    rows = cdnow_master_transactions
    later = rows["order_date"].between(cutoff + pd.Timedelta(days=1), cutoff + pd.Timedelta(
        days=HOLDOUT_DAYS))  # fmt: skip
    return pd.Series(True, index=rows.loc[later, "customer"].unique())


@pytest.fixture(scope="module")
def fits(cdnow_master_transactions):
    """The platform's choice (auto) and BG/NBD alone, as of the cut-off."""
    return {
        name: predict_customer_value(
            cdnow_master_transactions,
            cutoff=CDNOW_CUTOFF,
            horizons=(HOLDOUT_DAYS,),
            settings=ClvSettings(purchase_model=name),
            **COLUMNS,
        )
        for name in ("auto", "bgnbd")
    }


def _radar(result, holdout: pd.Series) -> pd.DataFrame:
    predictions = result.predictions.set_index("customer_id")
    bought = holdout.reindex(predictions.index, fill_value=False)
    return predictions.assign(bought_again=bought)


def test_the_radars_prob_alive_ranks_who_buys_again_with_auc_above_0_65(fits, holdout):
    after, before = _radar(fits["auto"], holdout), _radar(fits["bgnbd"], holdout)
    assert len(after) == 23_570 and after["bought_again"].sum() == 7_058
    assert fits["auto"].choice.model == "mbgnbd", fits["auto"].choice.reason
    one_time = after["frequency"] == 0
    auc = {}
    for name, radar in (("after", after), ("before", before)):
        auc[name] = _auc(radar["prob_alive"], radar["bought_again"])
        once = radar[one_time]
        auc[f"{name}_one_time"] = _auc(once["prob_alive"], once["bought_again"])
    assert auc["after"] >= MIN_AUC, auc
    assert auc["before"] < 0.5 and auc["before_one_time"] == 0.5, auc
    assert auc["after_one_time"] > 0.5, auc
    assert auc == pytest.approx(
        {"after": 0.70, "after_one_time": 0.53, "before": 0.32, "before_one_time": 0.5}, abs=0.005
    )


def test_the_chosen_models_holdout_predictions_are_lifetimes_within_one_percent(
    fits, cdnow_master_transactions
):
    """Oracle: lifetimes' summary of the same transactions (days, to the cut-off) and its
    ``ModifiedBetaGeoFitter`` fitted as its documentation shows (default tolerance)."""
    summary = summary_data_from_transaction_data(
        cdnow_master_transactions, "customer", "order_date",
        observation_period_end=CDNOW_CUTOFF, freq="D",
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitter = ModifiedBetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
    x, t_x, T = summary["frequency"], summary["recency"], summary["T"]
    theirs = pd.DataFrame(
        {
            "prob_alive": np.asarray(fitter.conditional_probability_alive(x, t_x, T)),
            "holdout": fitter.conditional_expected_number_of_purchases_up_to_time(
                HOLDOUT_DAYS, x, t_x, T
            ),
        },
        index=summary.index,
    )
    ours = fits["auto"].predictions.set_index("customer_id").loc[theirs.index]
    relative = (ours[f"expected_purchases_{HOLDOUT_DAYS}d"] / theirs["holdout"] - 1).abs()
    assert relative.max() < 0.01
    assert (ours["prob_alive"] / theirs["prob_alive"] - 1).abs().max() < 0.01
    total = ours[f"expected_purchases_{HOLDOUT_DAYS}d"].sum()
    assert total == pytest.approx(theirs["holdout"].sum(), rel=1e-4)
