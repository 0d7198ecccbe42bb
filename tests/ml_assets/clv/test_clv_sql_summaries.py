"""The customer-value summaries computed in the warehouse's SQL equal the in-memory ones, on
DuckDB and PostgreSQL, so the platform's asset (which reads the SQL ones) predicts what the
library predicts from the transactions.

Data: the CDNOW 1/10 sample's transactions (real purchases, lifetimes' dataset) as one tenant,
plus a crafted tenant with what the definitions must get right: a refund day (negative net
amount), a customer whose only repeat day is negative, one far outlier day, customers whose
first purchase falls in the backtest holdout or after the cut-off, and another tenant's rows.
Oracle: ``summaries.py`` on the same rows (itself equal to lifetimes'
``summary_data_from_transaction_data``, test_clv_transactions.py), and the library's fits and
scores on its output for the customers the warehouse scores from the scored distinct
histories. Amounts are rounded to 9 decimals in SQL (exact sums), hence the tolerance.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from cerebro.settings import PostgresSettings, Settings
from cerebro.warehouse import Warehouse
from ml_assets.clv.predict import predict_from_summaries, score_customers
from ml_assets.clv.records import PREDICTION_COLUMNS
from ml_assets.clv.segments import assign_segments
from ml_assets.clv.settings import ClvSettings
from ml_assets.clv.sql_summaries import (
    last_transaction_day,
    summarize_holdout_in_warehouse,
    summarize_in_warehouse,
)
from ml_assets.clv.summaries import summarize_holdout, summarize_transactions
from ml_assets.clv.tenant import fit_tenant_in_warehouse
from ml_assets.clv.transactions import OutlierRule, daily_transactions
from orchestration.clv_scoring import TenantScoring, score_every_customer
from tests.ml_assets.clv.clv_cdnow import CDNOW_CUTOFF

CDNOW, CRAFTED, OTHER = "cdnow", "crafted", "other"
NET, MARGIN = "valid_orders_net_amount", "valid_orders_margin_amount"
CRAFTED_CUTOFF = dt.date(2025, 6, 30)
TOLERANCE = 1e-9


def _crafted() -> pd.DataFrame:
    day = pd.Timestamp("2025-01-01")
    rng = np.random.default_rng(7)
    rows = []
    for i in range(60):  # ordinary customers, a few purchase days each
        first = day + pd.Timedelta(days=int(rng.integers(0, 120)))
        for k in range(int(rng.integers(1, 6))):
            rows.append((f"c{i:02d}", first + pd.Timedelta(days=17 * k), float(rng.gamma(3, 9e3))))
    rows += [
        ("refund", day, 25_000.0), ("refund", day + pd.Timedelta(days=9), -4_000.5),
        ("refund", day + pd.Timedelta(days=30), 12_000.25),
        ("negative", day, 10_000.0), ("negative", day + pd.Timedelta(days=5), -10_000.0),
        ("whale", day, 20_000.0), ("whale", day + pd.Timedelta(days=40), 9_000_000.0),
        ("whale", day + pd.Timedelta(days=80), 21_000.0),
        ("late", pd.Timestamp("2025-06-20"), 15_000.0),  # first purchase in the holdout
        ("after", pd.Timestamp("2025-07-04"), 15_000.0),  # after the cut-off
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["customer_id", "created_date", NET])
    return frame.groupby(["customer_id", "created_date"], as_index=False)[NET].sum()


def _mart(cdnow_transactions) -> pd.DataFrame:
    cdnow = cdnow_transactions.rename(
        columns={"customer": "customer_id", "order_date": "created_date", "amount": NET}
    )
    cdnow = cdnow.groupby(["customer_id", "created_date"], as_index=False)[NET].sum()
    crafted = _crafted()
    parts = [cdnow.assign(tenant_id=CDNOW), crafted.assign(tenant_id=CRAFTED),
             crafted.assign(tenant_id=OTHER, **{NET: crafted[NET] * 3})]  # fmt: skip
    mart = pd.concat(parts, ignore_index=True)
    # The margin is a double in the mart (not landed at 9 decimals): a third of the amount.
    mart[MARGIN] = mart[NET] / 3
    return mart


def _load(warehouse: Warehouse, mart: pd.DataFrame) -> Warehouse:
    """The mart with the types dbt gives it: dates, amounts as decimal(38, 9), margin double."""
    warehouse.replace_table("marts", "loaded_orders", mart)
    with warehouse.connect() as connection:
        connection.execute("drop table if exists marts.mart_customer_orders_daily")
        connection.execute(
            "create table marts.mart_customer_orders_daily as select tenant_id, customer_id, "
            "cast(created_date as date) as created_date, "
            f"cast({NET} as decimal(38, 9)) as {NET}, "
            f"cast({MARGIN} as double precision) as {MARGIN} from marts.loaded_orders"
        )
    return warehouse


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def warehouse(request, tmp_path_factory, cdnow_transactions) -> Warehouse:
    root = tmp_path_factory.mktemp(f"sql_summaries_{request.param}")
    if request.param == "duckdb":
        settings = Settings(root, root / "tenants.yml", "duckdb", root / "warehouse.duckdb")
    else:
        server = request.getfixturevalue("postgres_server")
        postgres = PostgresSettings(
            server.host, server.port, server.user, server.create_database("sql_summaries")
        )
        settings = Settings(root, root / "tenants.yml", "postgres", postgres=postgres)
    return _load(Warehouse(settings), _mart(cdnow_transactions))


def _distinct(histories: pd.DataFrame, by: tuple[str, ...] = ()) -> pd.DataFrame:
    """The in-memory per-customer histories as distinct histories with their customers."""
    keys = ["frequency", "recency", "T", *by]
    distinct = histories.groupby(keys, as_index=False).agg(
        customers=("frequency", "size"), last_purchase_date=("last_purchase_date", "max")
    )
    columns = ["frequency", "recency", "T", "customers", "last_purchase_date", *by]
    return distinct[columns].astype({"customers": int})


def _in_memory(mart: pd.DataFrame, tenant: str, amount: str) -> pd.DataFrame:
    rows = mart[mart["tenant_id"] == tenant]
    return daily_transactions(rows, date_column="created_date", amount_column=amount)


CASES = [(CDNOW, NET, CDNOW_CUTOFF), (CRAFTED, NET, CRAFTED_CUTOFF),
         (CRAFTED, MARGIN, CRAFTED_CUTOFF), (CRAFTED, NET, dt.date(2025, 3, 1))]  # fmt: skip


@pytest.mark.parametrize("rule", [OutlierRule(3.0), OutlierRule(None)], ids=["3sd", "no_rule"])
@pytest.mark.parametrize(("tenant", "amount", "cutoff"), CASES)
def test_the_warehouse_summaries_equal_the_in_memory_ones(
    warehouse, cdnow_transactions, tenant, amount, cutoff, rule
):
    daily = _in_memory(_mart(cdnow_transactions), tenant, amount)
    cutoff = pd.Timestamp(cutoff).date()
    expected = summarize_transactions(daily, cutoff, rule)

    got = summarize_in_warehouse(
        warehouse.query, tenant, amount_column=amount, cutoff=cutoff, rule=rule
    )

    pd.testing.assert_frame_equal(got.histories, _distinct(expected.histories), rtol=TOLERANCE)
    assert got.mean_transaction_value == pytest.approx(expected.mean_transaction_value, TOLERANCE)
    spend, wanted = got.spend, expected.spend
    np.testing.assert_array_equal(spend.frequency, wanted.frequency)
    np.testing.assert_allclose(spend.monetary_value, wanted.monetary_value, rtol=TOLERANCE)
    assert (spend.outlier_transactions, spend.non_positive_customers) == (
        wanted.outlier_transactions,
        wanted.non_positive_customers,
    )
    if wanted.outlier_threshold is None:
        assert spend.outlier_threshold is None
    else:
        assert spend.outlier_threshold == pytest.approx(wanted.outlier_threshold, TOLERANCE)


def test_the_crafted_cases_are_exercised(warehouse):
    summaries = summarize_in_warehouse(
        warehouse.query, CRAFTED, amount_column=NET, cutoff=CRAFTED_CUTOFF, rule=OutlierRule(3.0)
    )
    # 60 ordinary customers, refund, negative, whale and late; "after" bought after the cut-off.
    assert summaries.histories["customers"].sum() == 64
    assert summaries.spend.outlier_transactions == 1  # the whale's 9 M day
    assert summaries.spend.non_positive_customers == 1  # "negative"


@pytest.mark.parametrize(("tenant", "amount", "cutoff"), CASES)
def test_the_warehouse_holdout_equals_the_in_memory_one(
    warehouse, cdnow_transactions, tenant, amount, cutoff
):
    daily = _in_memory(_mart(cdnow_transactions), tenant, amount)
    cutoff = pd.Timestamp(cutoff).date()
    expected = summarize_holdout(daily, cutoff, 40)

    got = summarize_holdout_in_warehouse(
        warehouse.query, tenant, amount_column=amount, cutoff=cutoff, holdout_days=40
    )

    assert got.calibration_end == expected.calibration_end
    histories = expected.histories.assign(holdout_purchases=expected.holdout_purchases)
    wanted = _distinct(histories, by=("holdout_purchases",))
    pd.testing.assert_frame_equal(
        got.histories.assign(holdout_purchases=got.holdout_purchases), wanted, rtol=TOLERANCE
    )


def test_the_last_day_is_the_tenants_own(warehouse):
    assert last_transaction_day(warehouse.query, CRAFTED) == dt.date(2025, 7, 4)
    assert last_transaction_day(warehouse.query, "nobody") is None


PREDICTED_AT = dt.datetime(2026, 1, 2, 3, 4, 5)
FALLBACK = ClvSettings(min_repeat_buyers=10**6)  # Gamma-Gamma not used: the flagged fallback
SCORED = [(CDNOW, NET, CDNOW_CUTOFF, ClvSettings()), (CDNOW, NET, CDNOW_CUTOFF, FALLBACK),
          (CRAFTED, NET, CRAFTED_CUTOFF, ClvSettings()),
          (CRAFTED, MARGIN, CRAFTED_CUTOFF, ClvSettings())]  # fmt: skip


@pytest.mark.parametrize(("tenant", "amount", "cutoff", "settings"), SCORED,
                         ids=["cdnow", "cdnow_fallback", "crafted", "crafted_margin"])  # fmt: skip
def test_customers_scored_in_the_warehouse_equal_the_in_memory_predictions(
    warehouse, cdnow_transactions, tenant, amount, cutoff, settings
):
    """The asset's path (distinct histories fitted and scored in Python, every customer
    scored by the warehouse's SQL) gives the models the library fits on the transactions,
    and with those models the rows the library scores for every customer."""
    daily = _in_memory(_mart(cdnow_transactions), tenant, amount)
    summaries = summarize_transactions(daily, cutoff, settings.outlier_rule)
    holdout = summarize_holdout(daily, cutoff, settings.holdout_days)
    library = predict_from_summaries(summaries, holdout, settings=settings)

    fit = fit_tenant_in_warehouse(
        warehouse.query, tenant, settings=settings, amount_column=amount, cutoff=cutoff
    )
    scored = score_every_customer(warehouse, [TenantScoring(fit, settings, amount)], PREDICTED_AT)
    got = warehouse.query(
        "select * from ml.ml_customer_predictions where tenant_id = %(t)s", {"t": tenant}
    )

    # The fits: the same models. The crafted tenant's customers all buy at one rhythm and
    # spend from one distribution: neither likelihood has a finite maximum without a
    # penalty, and both paths refuse it alike (the purchase model is refitted with the retry
    # penalizer, Gamma-Gamma gives way to the flagged mean), whatever the amounts' last bits.
    assert fit.fitted.choice.model == library.choice.model
    for name, value in library.purchases.params_.items():
        assert fit.fitted.purchases.params_[name] == pytest.approx(value, rel=1e-6)
    assert fit.fitted.spend.is_fallback == library.spend.is_fallback
    if library.gamma_gamma is not None:
        assert fit.fitted.gamma_gamma.population_mean_spend() == pytest.approx(
            library.gamma_gamma.population_mean_spend(), rel=1e-6
        )
    assert (fit.customers, fit.repeat_buyers) == (len(library.predictions), library.repeat_buyers)
    assert len(fit.scores) < fit.customers  # fewer histories than customers reached Python

    # The scoring: every customer as the library scores it with the warehouse's models.
    histories = summaries.histories
    spend = fit.fitted.customer_spend(histories["frequency"], histories["monetary_value"])
    oracle = score_customers(histories, fit.fitted.purchases, spend, settings)
    segments, cut = assign_segments(oracle, settings.churn_risk)
    oracle = oracle.assign(churn_risk_segment=segments).rename(columns={"T": "customer_age"})
    assert list(got.columns) == list(PREDICTION_COLUMNS)
    got = got.set_index("customer_id").loc[oracle.index]
    assert (got["churn_risk_segment"] == oracle["churn_risk_segment"]).all()
    numbers = oracle.columns.drop("churn_risk_segment")
    pd.testing.assert_frame_equal(
        got[numbers].astype(float), oracle[numbers].astype(float), rtol=1e-9
    )
    assert (pd.to_datetime(got["cutoff_date"]) == pd.Timestamp(cutoff)).all()
    assert (pd.to_datetime(got["predicted_at"]) == pd.Timestamp(PREDICTED_AT)).all()
    assert scored.cuts[tenant].vip_clv_if_retained == pytest.approx(cut.vip_clv_if_retained)
    assert scored.cuts[tenant].whale_predicted_clv == pytest.approx(cut.whale_predicted_clv)
    assert scored.rows == len(oracle) and scored.profile["prob_alive__failing"] == 0


def test_the_refund_customer_keeps_its_net_repeat_mean(warehouse):
    settings = ClvSettings()
    fit = fit_tenant_in_warehouse(
        warehouse.query, CRAFTED, settings=settings, amount_column=NET, cutoff=CRAFTED_CUTOFF
    )
    score_every_customer(warehouse, [TenantScoring(fit, settings, NET)], PREDICTED_AT)
    rows = warehouse.query(
        "select customer_id, monetary_value from ml.ml_customer_predictions"
    ).set_index("customer_id")["monetary_value"]
    assert "after" not in rows.index and "late" in rows.index
    assert rows["refund"] == pytest.approx((-4_000.5 + 12_000.25) / 2)
