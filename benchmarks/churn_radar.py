"""The churn radar graded against who is really gone: the demo generator's truth.

The demo's customers leave at any time after their first purchase (generator/purchases.py), a
process neither purchase model assumes, and ``truth.json`` lists the buyers gone at the cut-off.
The radar is what the pages call "en riesgo": ``prob_alive`` below the risk threshold
(``ChurnRiskThresholds.risk_prob_alive``, 20 % by default). Graded here:
- precision: the share of the flagged customers who are really gone;
- recall: the share of the gone customers the radar flags;
- the AUC of ``1 - prob_alive`` for "gone", overall and among one-time buyers (where BG/NBD,
  which gives every one-time buyer P(alive) = 1, can only score one half);
- precision (= recall) of a list as long as the number really gone, ordered by ``prob_alive``:
  how the ranking does, whatever the threshold;
- the share of customers P(alive) says are gone (its mean complement) beside the true share:
  what "capital en riesgo" and the segments' sizes rest on.

The same grades on customers of the three textbook processes (``textbook_customers.py``), whose
truth is who is alive at the end of the simulation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from tap_cerebro_demo.generator.dataset import generate
from tap_cerebro_demo.generator.storage import DemoDataset, DemoSettings

from benchmarks.textbook_customers import simulate_customers
from ml_assets.clv.backtest import weighted_auc
from ml_assets.clv.predict import predict_customer_value
from ml_assets.clv.segments import ChurnRiskThresholds
from ml_assets.clv.settings import ClvSettings

#: Shopify's financial statuses of a paid order, refunded or not (fct_orders.is_valid).
PAID = ("PAID", "PARTIALLY_REFUNDED", "REFUNDED")


@dataclass(frozen=True)
class RadarGrade:
    purchase_model: str
    customers: int
    gone_share: float
    #: The mean of 1 - P(alive): the share of customers the model says are gone.
    said_gone_share: float
    flagged: int
    precision: float
    recall: float
    auc: float | None
    one_time_auc: float | None
    list_precision: float


def demo_transactions(dataset: DemoDataset) -> pd.DataFrame:
    """The valid orders per person and local day, guests resolved to their account as identity
    resolution does (decision 0037): what the customer-value model reads from the marts."""
    orders = dataset.streams["orders"]
    valid = (
        ~orders["is_test"].astype(bool)
        & orders["cancelled_at"].isna()
        & orders["financial_status"].isin(PAID)
    )
    orders = orders[valid]
    person = {
        guest["customer_id"]: guest["person_customer_id"]
        for guest in dataset.truth["identity"]["guests"]
        if guest["is_resolvable"]
    }
    local = pd.to_datetime(orders["created_at"], utc=True).dt.tz_convert(dataset.settings.timezone)
    return pd.DataFrame(
        {
            "customer_id": orders["customer_id"].map(lambda c: person.get(c, c)),
            "transaction_date": local.dt.date,
            # Net of refunds, as the model's default transaction value (fct_orders.net_amount).
            "amount": (orders["total_amount"] - orders["total_refunded_amount"]).astype(float),
        }
    )


def grade(predictions: pd.DataFrame, gone_ids, purchase_model: str) -> RadarGrade:
    """The radar of ``predictions`` (``customer_id``, ``prob_alive``, ``frequency``) against
    the ids really gone."""
    gone = predictions["customer_id"].isin(set(gone_ids)).to_numpy()
    alive = predictions["prob_alive"].to_numpy(float)
    flagged = alive < ChurnRiskThresholds().risk_prob_alive
    one_time = predictions["frequency"].to_numpy() == 0
    hits = int((flagged & gone).sum())
    # Ties broken by id, so a model giving many customers the same probability gains nothing.
    listed = np.lexsort((predictions["customer_id"].to_numpy(), alive))[: gone.sum()]
    return RadarGrade(
        purchase_model=purchase_model,
        customers=len(predictions),
        gone_share=float(gone.mean()),
        said_gone_share=float(1 - alive.mean()),
        flagged=int(flagged.sum()),
        precision=hits / flagged.sum() if flagged.any() else float("nan"),
        recall=hits / gone.sum(),
        auc=weighted_auc(1 - alive, gone, np.ones(len(gone))),
        one_time_auc=weighted_auc(1 - alive[one_time], gone[one_time], np.ones(one_time.sum())),
        list_precision=float(gone[listed].mean()),
    )


def grade_models(transactions: pd.DataFrame, cutoff, gone_ids, purchase_models) -> list[RadarGrade]:
    """The radar of each purchase model fitted on ``transactions`` up to ``cutoff``, graded
    against ``gone_ids``; ``auto`` is the tenant's own choice by backtest, graded under the
    name of the model it chose."""
    grades = []
    for model in purchase_models:
        result = predict_customer_value(
            transactions, cutoff=cutoff, settings=ClvSettings(purchase_model=model)
        )
        name = model if model != "auto" else f"auto: {result.choice.model}"
        grades.append(grade(result.predictions, gone_ids, name))
    return grades


def grade_demo(settings: DemoSettings, purchase_models=("bgnbd", "auto")) -> list[RadarGrade]:
    """Generate one demo tenant and grade the radar of each purchase model on it."""
    dataset = generate(settings)
    return grade_models(
        demo_transactions(dataset),
        settings.end_date,
        dataset.truth["customers_gone"],
        purchase_models,
    )


def grade_process(
    process: str, seed: int, customers: int, days: int, purchase_models=("bgnbd", "mbgnbd", "auto")
) -> list[RadarGrade]:
    """Simulate ``customers`` of a textbook ``process`` over ``days`` and grade the radar of
    each purchase model on them."""
    simulated = simulate_customers(process, seed, customers, days)
    gone_ids = simulated.alive.index[~simulated.alive.to_numpy()]
    return grade_models(simulated.transactions, simulated.last_day, gone_ids, purchase_models)


def demo_settings(profile: str, customers: int, seed: int) -> DemoSettings:
    timezone = {"cl_services": "America/Santiago", "pe_services": "America/Lima"}[profile]
    return DemoSettings(
        f"radar_{profile}_{seed}", profile, timezone, customers, seed, dt.date(2026, 10, 31)
    )
