"""The customer-value asset and the dbt marts on its output, on the session's DuckDB demo.

The shared demo (`demo_duckdb`) already ran the whole `cerebro_platform` job, this asset and
the ML marts included; those tests only read it. Everything that writes works on a copy of
its DuckDB file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest
import yaml

from ml_assets.clv.model_choice import PURCHASE_MODELS
from ml_assets.clv.predict import MODEL_VERSION
from orchestration.clv_assets import MODEL_RUNS, PREDICTIONS, clv_predictions, models_chosen
from orchestration.resources import CerebroResource
from tests.support.dbt_in_process import failures, run_dbt
from tests.support.demo_platform import DEMO_TENANTS

ML_MARTS = ("mart_customer_value", "mart_churn_radar_capital", "mart_churn_radar_top_customers",
            "mart_churn_risk_segments")  # fmt: skip
CHECKS = ("prob_alive_in_unit_interval", "values_finite_and_non_negative",
          "backtest_error_within_bound", "every_tenant_modelled")  # fmt: skip


@dataclass
class Copy:
    """A copy of the demo warehouse and how to materialize the asset on it."""

    root: Path
    duckdb_path: Path
    tenants_file: Path

    def materialize(self, run_config: dict | None = None, tenants_file: Path | None = None):
        resource = CerebroResource(
            data_dir=str(self.root),
            tenants_file=str(tenants_file or self.tenants_file),
            duckdb_path=str(self.duckdb_path),
        )
        return dg.materialize(
            [clv_predictions],
            resources={"cerebro": resource},
            run_config=run_config,
            raise_on_error=False,
        )

    def query(self, sql: str) -> pd.DataFrame:
        with duckdb.connect(str(self.duckdb_path), read_only=True) as connection:
            return connection.execute(sql).df()


def _copy(demo_duckdb, root: Path) -> Copy:
    root.mkdir(parents=True, exist_ok=True)
    path = root / "warehouse.duckdb"
    shutil.copyfile(demo_duckdb.settings.duckdb_path, path)
    return Copy(root, path, demo_duckdb.settings.tenants_file)


@pytest.fixture(scope="module")
def materialized(demo_duckdb, tmp_path_factory):
    """The asset materialized once on a copy, and the run's result."""
    copy = _copy(demo_duckdb, tmp_path_factory.mktemp("clv_asset"))
    return copy, copy.materialize()


def _checks(result) -> dict[str, dg.AssetCheckEvaluation]:
    return {c.check_name: c for c in result.get_asset_check_evaluations()}


def test_platform_job_wrote_predictions_and_built_the_ml_marts(demo_duckdb):
    # The shared run: the asset ran after the marts and the ML marts after the asset.
    with duckdb.connect(str(demo_duckdb.settings.duckdb_path), read_only=True) as connection:
        customers = connection.execute(
            "select tenant_id, count(distinct customer_id) from marts.mart_customer_orders_daily "
            "group by 1 order by 1"
        ).fetchall()
        predicted = connection.execute(
            "select tenant_id, count(*) from ml.ml_customer_predictions group by 1 order by 1"
        ).fetchall()
        valued = connection.execute(
            "select tenant_id, count(*) from marts.mart_customer_value group by 1 order by 1"
        ).fetchall()
        radar = connection.execute("select count(*) from marts.mart_churn_radar_capital").fetchone()
    assert customers == predicted == valued
    assert [tenant for tenant, _ in predicted] == sorted(DEMO_TENANTS)
    assert radar == (len(DEMO_TENANTS),)


def test_asset_writes_one_row_per_customer_and_one_run_per_tenant(materialized):
    copy, result = materialized
    assert result.success
    predictions = copy.query("select * from ml.ml_customer_predictions")
    orders = copy.query("select * from marts.mart_customer_orders_daily")
    assert len(predictions) == orders.groupby(["tenant_id", "customer_id"]).ngroups
    assert not predictions.duplicated(["tenant_id", "customer_id"]).any()
    runs = copy.query("select * from ml.ml_clv_model_runs order by tenant_id")
    assert list(runs["tenant_id"]) == sorted(DEMO_TENANTS)
    last_days = orders.groupby("tenant_id")["created_date"].max()
    for run in runs.itertuples():
        # Default cut-off: the tenant's last day with a valid order.
        assert pd.Timestamp(run.cutoff_date) == pd.Timestamp(last_days[run.tenant_id])
        assert run.customers == (predictions["tenant_id"] == run.tenant_id).sum()
        assert run.bgnbd_r > 0 and run.model_version == MODEL_VERSION
        # The purchase model the tenant's backtest chose, and why, in the record and in the
        # run's metadata, where the engineer sees the fit.
        assert run.purchase_model in PURCHASE_MODELS and run.purchase_model_reason
        assert set(json.loads(run.backtest_candidates)) == set(PURCHASE_MODELS)
    materializations = result.asset_materializations_for_node("clv_predictions")
    (predicted,) = [m for m in materializations if m.asset_key == PREDICTIONS]
    tenants = predicted.metadata["tenants"].value
    for run in runs.itertuples():
        assert tenants[run.tenant_id]["purchase_model_reason"] == run.purchase_model_reason


def test_checks_pass_with_the_actual_values_in_their_metadata(materialized):
    _, result = materialized
    checks = _checks(result)
    assert set(checks) == set(CHECKS)
    assert all(check.passed for check in checks.values())
    probabilities = checks["prob_alive_in_unit_interval"].metadata
    assert 0 <= probabilities["prob_alive_min"].value <= probabilities["prob_alive_max"].value <= 1
    backtest = checks["backtest_error_within_bound"].metadata["tenants"].value
    assert set(backtest) == set(DEMO_TENANTS)
    assert all(t["bound"] == 0.5 and t["status"] in ("ok", "skipped") for t in backtest.values())


def test_checks_guarding_dashboards_are_blocking():
    specs = {spec.name: spec for spec in clv_predictions.check_specs}
    assert specs["prob_alive_in_unit_interval"].blocking
    assert specs["values_finite_and_non_negative"].blocking
    assert specs["backtest_error_within_bound"].blocking
    assert not specs["every_tenant_modelled"].blocking


def test_a_backtest_error_above_the_tenant_bound_fails_its_check(demo_duckdb, tmp_path):
    copy = _copy(demo_duckdb, tmp_path)
    document = yaml.safe_load(copy.tenants_file.read_text())
    for tenant in document["tenants"]:
        tenant["clv"] = {"max_backtest_error": 1e-6}
    strict = tmp_path / "tenants.yml"
    strict.write_text(yaml.safe_dump(document, allow_unicode=True))
    result = copy.materialize(tenants_file=strict)
    check = _checks(result)["backtest_error_within_bound"]
    assert not check.passed
    assert sorted(check.metadata["failing"].value) == sorted(DEMO_TENANTS)


def test_a_tenant_valued_by_margin_has_its_customers_valued_by_contribution_margin(
    demo_duckdb, tmp_path
):
    # `clv: {value: margin}` (issue 27): the transactions are worth their contribution margin
    # (fct_order_margins), so each repeat buyer's mean repeat spend is the mean margin of their
    # purchase days after the first, computed here from the facts, and the value falls with it.
    copy = _copy(demo_duckdb, tmp_path)
    document = yaml.safe_load(copy.tenants_file.read_text())
    for tenant in document["tenants"]:
        if tenant["tenant_id"] == "test_cl":
            tenant["clv"] = {"value": "margin"}
    by_margin = tmp_path / "tenants.yml"
    by_margin.write_text(yaml.safe_dump(document, allow_unicode=True))
    result = copy.materialize(tenants_file=by_margin)
    assert result.success
    days = copy.query(
        "select customer_id, created_date, sum(contribution_margin_amount) as margin "
        "from marts.fct_order_margins where tenant_id = 'test_cl' group by 1, 2"
    ).sort_values(["customer_id", "created_date"])
    repeats = days[days.duplicated("customer_id")].groupby("customer_id")["margin"].mean()
    predicted = copy.query(
        "select customer_id, monetary_value from ml.ml_customer_predictions "
        "where tenant_id = 'test_cl' and frequency > 0"
    ).set_index("customer_id")["monetary_value"]
    assert len(predicted) > 50
    pd.testing.assert_series_equal(
        predicted.sort_index(), repeats.loc[predicted.index].sort_index(), check_names=False,
        rtol=1e-9,
    )  # fmt: skip
    revenue = demo_duckdb.warehouse.query(
        "select tenant_id, sum(predicted_clv_12m) as value from ml.ml_customer_predictions "
        "group by 1"
    ).set_index("tenant_id")["value"]
    margin = copy.query(
        "select tenant_id, sum(predicted_clv_12m) as value from ml.ml_customer_predictions "
        "group by 1"
    ).set_index("tenant_id")["value"]
    assert margin["test_cl"] < 0.8 * revenue["test_cl"]
    assert margin["test_pe"] == pytest.approx(revenue["test_pe"], rel=1e-9)


def test_rerunning_replaces_rows_and_a_new_cutoff_adds_a_run(materialized):
    copy, _ = materialized
    before = copy.query("select * from ml.ml_customer_predictions")
    assert copy.materialize().success
    again = copy.query("select * from ml.ml_customer_predictions")
    assert len(again) == len(before)
    pd.testing.assert_series_equal(again["predicted_clv_12m"], before["predicted_clv_12m"])
    assert len(copy.query("select * from ml.ml_clv_model_runs")) == len(DEMO_TENANTS)

    config = {"ops": {"clv_predictions": {"config": {"cutoff_date": "2026-09-30"}}}}
    assert copy.materialize(run_config=config).success
    runs = copy.query("select tenant_id, cutoff_date from ml.ml_clv_model_runs")
    assert len(runs) == 2 * len(DEMO_TENANTS)
    cutoffs = copy.query("select distinct cutoff_date from ml.ml_customer_predictions")
    assert list(cutoffs["cutoff_date"].dt.date.astype(str)) == ["2026-09-30"]

    # A cut-off after today is refused before anything is fitted or written.
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    refused = copy.materialize(
        run_config={"ops": {"clv_predictions": {"config": {"cutoff_date": tomorrow}}}}
    )
    assert not refused.success
    failure = refused.get_step_failure_events()[0].step_failure_data.error.message
    assert f"the cut-off {tomorrow} is after today" in failure
    assert len(copy.query("select * from ml.ml_clv_model_runs")) == 2 * len(DEMO_TENANTS)


def _dbt(verb: str, duckdb_path: Path, work: Path, *select: str) -> None:
    """dbt ``verb`` of the selected models on ``duckdb_path``, with its own target and logs, in
    this process from its parse of the project (tests/support/dbt_in_process.py): a dbt
    started afresh would parse the whole project first. Fails the test with dbt's failures."""
    environ = {**os.environ, "CEREBRO_WAREHOUSE": "duckdb", "CEREBRO_DUCKDB_PATH": str(duckdb_path)}
    done = run_dbt([verb, "--select", *select], environ, work / "target")
    assert done.success, failures(done)


@pytest.fixture(scope="module")
def ml_marts(demo_duckdb, tmp_path_factory):
    """The asset and then the dbt ML models (and their tests) built on a fresh copy."""
    root = tmp_path_factory.mktemp("clv_marts")
    copy = _copy(demo_duckdb, root)
    assert copy.materialize().success
    _dbt("build", copy.duckdb_path, root, "path:models/staging/ml", "path:models/marts/ml")
    return copy


def test_capital_at_risk_is_the_value_at_risk_of_customers_below_the_threshold(ml_marts):
    predictions = ml_marts.query("select * from ml.ml_customer_predictions")
    radar = ml_marts.query("select * from marts.mart_churn_radar_capital").set_index("tenant_id")
    for tenant, rows in predictions.groupby("tenant_id"):
        at_risk = rows[rows["prob_alive"] < 0.2]
        assert radar.loc[tenant, "capital_at_risk_amount"] == pytest.approx(
            at_risk["value_at_risk"].sum()
        )
        assert radar.loc[tenant, "customers_at_risk"] == len(at_risk)
        assert radar.loc[tenant, "customers"] == len(rows)


def test_top_customers_are_the_at_risk_ones_with_most_recoverable_value(ml_marts):
    # Recoverable value (decision 0047): P(alive) x value if retained, what a call can still
    # save; computed here from the predictions, not read from the mart.
    top = ml_marts.query("select * from marts.mart_churn_radar_top_customers")
    predictions = ml_marts.query("select * from ml.ml_customer_predictions")
    for tenant, rows in predictions.groupby("tenant_id"):
        at_risk = rows[rows["prob_alive"] < 0.2]
        recoverable = at_risk["prob_alive"] * at_risk["clv_if_retained_12m"]
        expected = (
            at_risk.assign(recoverable=recoverable)
            .sort_values(["recoverable", "customer_id"], ascending=[False, True])
            .head(100)["customer_id"]
        )
        mine = top[top["tenant_id"] == tenant].sort_values("risk_rank")
        assert list(mine["customer_id"]) == list(expected)
        assert list(mine["risk_rank"]) == list(range(1, len(expected) + 1))


def test_segment_counts_add_up_to_the_customers(ml_marts):
    segments = ml_marts.query("select * from marts.mart_churn_risk_segments")
    value = ml_marts.query("select * from marts.mart_customer_value")
    counted = segments.groupby("tenant_id")["customers"].sum()
    assert counted.to_dict() == value.groupby("tenant_id").size().to_dict()
    assert segments.groupby("tenant_id")["share_of_customers"].sum().round(12).eq(1).all()
    assert value["acquisition_channel"].notna().all() and value["rfm_segment"].notna().all()


def test_ml_models_build_empty_before_the_first_model_run(tmp_path):
    # A plain `dbt build` on a warehouse the asset never wrote (source_or_empty).
    copy = Copy(tmp_path, tmp_path / "empty.duckdb", tmp_path / "unused.yml")
    _dbt("run", copy.duckdb_path, tmp_path, "path:models/staging/ml")
    assert copy.query("select count(*) as n from staging.stg_ml__customer_predictions")["n"][0] == 0
    columns = copy.query("describe staging.stg_ml__clv_model_runs")
    assert (
        dict(zip(columns["column_name"], columns["column_type"], strict=True))["cutoff_date"]
        == "DATE"
    )


def test_lineage_runs_marts_then_the_model_then_the_ml_marts(demo_duckdb):
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    orders = dg.AssetKey(["marts", "mart_customer_orders_daily"])
    assert orders in graph.get(PREDICTIONS).parent_keys
    assert orders in graph.get(MODEL_RUNS).parent_keys
    children = {key.path[-1] for key in graph.get(PREDICTIONS).child_keys}
    assert "stg_ml__customer_predictions" in children
    from orchestration.jobs import platform_job

    in_job = {key.path[-1] for key in platform_job.selection.resolve(graph)}
    assert set(ML_MARTS) <= in_job and "ml_customer_predictions" in in_job


def test_predictions_are_the_same_on_postgres(demo_warehouses):
    # The same demo through the whole platform on PostgreSQL (tests/conftest.py).
    sql = (
        "select tenant_id, customer_id, frequency, prob_alive, predicted_clv_12m, "
        "churn_risk_segment from ml.ml_customer_predictions order by tenant_id, customer_id"
    )
    on_duckdb = demo_warehouses.duckdb.warehouse.query(sql)
    on_postgres = demo_warehouses.postgres.warehouse.query(sql)
    pd.testing.assert_frame_equal(on_postgres, on_duckdb, check_dtype=False, rtol=1e-9)
    capital = (
        "select tenant_id, capital_at_risk_amount from marts.mart_churn_radar_capital order by 1"
    )
    pd.testing.assert_frame_equal(
        demo_warehouses.postgres.warehouse.query(capital).astype({"capital_at_risk_amount": float}),
        demo_warehouses.duckdb.warehouse.query(capital).astype({"capital_at_risk_amount": float}),
        rtol=1e-9,
    )


def test_the_runs_note_says_which_purchase_model_scored_how_many_tenants():
    def runs(*labels):
        return {f"t{i}": {"purchase_model": label} for i, label in enumerate(labels)}

    assert models_chosen(runs("MBG/NBD", "MBG/NBD", "MBG/NBD")) == "MBG/NBD for all 3"
    assert models_chosen(runs("BG/NBD")) == "BG/NBD for the tenant"
    assert models_chosen(runs("MBG/NBD", "BG/NBD", "MBG/NBD")) == "BG/NBD for 1, MBG/NBD for 2"
    assert models_chosen({}) == "no tenant modelled"
