"""The marts behind the Canales, Simulador and Salud de datos pages against their inputs, on the
demo of both warehouses: the ML output tables have the columns the dbt source declares (the
contract `source_or_empty` relies on), the landing mart counts every landed row of every Singer
stream, the freshness card is green right after a run, and the model-health lights follow the
errors recomputed from the ML tables and the thresholds in dbt_project.yml."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
import yaml

from cerebro.serving.dashboards.spec import filter_values
from cerebro.settings import DBT_PROJECT_DIR
from tests.cerebro.serving.dashboards.dashboard_runs import run_card
from tests.support.demo_platform import DEMO_TENANTS

pytestmark = pytest.mark.e2e

TYPE_FAMILIES = {
    "text": {"varchar", "text", "character varying"},
    "double precision": {"double", "double precision"},
    "bigint": {"bigint"},
    "boolean": {"boolean"},
    "timestamp": {"timestamp", "timestamp_s", "timestamp without time zone"},
}
HOURS = {"minute": 1 / 60, "hour": 1, "day": 24}


def _sources() -> list[dict]:
    """Every dbt source definition of the project (one per source yml)."""
    return [
        source
        for path in sorted((DBT_PROJECT_DIR / "models" / "staging").rglob("_*__sources.yml"))
        for source in yaml.safe_load(Path(path).read_text("utf-8"))["sources"]
    ]


def test_ml_output_tables_have_the_declared_source_columns(demo_run):
    (ml,) = [source for source in _sources() if source["name"] == "ml"]
    columns = demo_run.warehouse.query(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = 'ml' order by table_name, ordinal_position"
    )
    for table in ml["tables"]:
        written = columns[columns["table_name"] == table["name"]]
        assert list(written["column_name"]) == [c["name"] for c in table["columns"]], table["name"]
        for declared, data_type in zip(table["columns"], written["data_type"], strict=True):
            family = TYPE_FAMILIES[declared["data_type"]]
            assert data_type.lower() in family, (table["name"], declared, data_type)


def _singer_streams() -> list[tuple[str, str, dict]]:
    streams = []
    for source in _sources():
        config = source.get("config", {})
        if config.get("meta", {}).get("landed_by") != "singer":
            continue
        for table in source["tables"]:
            freshness = table.get("config", {}).get("freshness", config.get("freshness")) or {}
            streams.append((source["name"], table["name"], freshness))
    return streams


def _demo_streams(demo_run) -> list[tuple[str, str, dict]]:
    """The Singer streams of the sources the demo's tenants land (not every source Cerebro
    reads: the demo has no Amazon Ads account, for one)."""
    tenants = yaml.safe_load(demo_run.warehouse.settings.tenants_file.read_text("utf-8"))
    sources = {source for tenant in tenants["tenants"] for source in tenant["sources"]}
    return [stream for stream in _singer_streams() if stream[0] in sources]


def _sources_landed(warehouse, tenant: str) -> set[str]:
    """The sources that landed rows for ``tenant`` (read from the raw tables themselves)."""
    tables = warehouse.query(
        "select table_schema, table_name from information_schema.tables "
        "where left(table_schema, 4) = 'raw_'"
    )
    return {
        schema.removeprefix("raw_")
        for schema, table in tables.itertuples(index=False)
        if warehouse.query(
            f"select count(*) as n from {schema}.{table} where tenant_id = '{tenant}'"
        )["n"].iloc[0]
    }


def _hours(rule: dict | None):
    return None if not rule else rule["count"] * HOURS[rule["period"]]


def test_landing_mart_counts_every_landed_row_of_every_singer_stream(demo_run):
    warehouse = demo_run.warehouse
    landed = warehouse.query(
        "select tenant_id, source_name, stream_name, sum(rows_landed) as rows_landed, "
        "max(_sdc_last_batched_at) as last_batched_at, max(warn_after_hours) as warn, "
        "max(error_after_hours) as error from marts.mart_landing_daily group by 1, 2, 3"
    ).set_index(["tenant_id", "source_name", "stream_name"])
    streams = _demo_streams(demo_run)
    assert len(streams) >= 14
    for source, stream, freshness in streams:
        raw = warehouse.query(
            f"select tenant_id, count(*) as n, max(_sdc_batched_at) as last "
            f"from raw_{source}.{stream} group by 1"
        ).set_index("tenant_id")
        for tenant in DEMO_TENANTS:
            if tenant not in raw.index:
                # A source with nothing to land for this tenant (the Peruvian demo store has
                # no exchange rates): no landing, no row.
                assert (tenant, source, stream) not in landed.index, (tenant, source, stream)
                continue
            row = landed.loc[(tenant, source, stream)]
            assert int(row["rows_landed"]) == int(raw.loc[tenant, "n"]), (tenant, source, stream)
            assert pd.Timestamp(row["last_batched_at"]) == pd.Timestamp(raw.loc[tenant, "last"])
            for key, threshold in (("warn", "warn_after"), ("error", "error_after")):
                expected = _hours(freshness.get(threshold))
                value = row[key]
                assert (expected is None and pd.isna(value)) or value == expected, (stream, key)


def test_source_freshness_card_is_green_right_after_the_run(demo_run, dashboards):
    dashboard = dashboards["salud_datos"]
    card = next(c for c in dashboard.cards if c.key == "estado_fuentes")
    session_hours = pd.Timestamp.now(tz="UTC").tz_localize(None) - demo_run.started_at
    warehouse = demo_run.warehouse
    with warehouse.reading():
        for tenant in DEMO_TENANTS:
            values = filter_values(dashboard, warehouse, tenant)
            frame = run_card(warehouse, dashboard, card, values).frame
            assert set(frame["source_name"]) == _sources_landed(warehouse, tenant)
            assert (frame["status"] == "verde").all(), frame
            minutes = frame["lag_minutes"].astype(int)
            assert (minutes >= 0).all()
            assert (minutes <= session_hours.total_seconds() / 60 + 1).all(), frame


def _thresholds() -> dict:
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text("utf-8"))
    return project["vars"]["model_health_thresholds"]


def _light(value, limits: dict) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "amarillo"
    if value <= limits["green"]:
        return "verde"
    return "amarillo" if value <= limits["yellow"] else "rojo"


def _sum_at_nine_decimals(values: pd.Series) -> float:
    """The warehouse's order-independent sum (macro sum_exact): each value rounded to 9
    decimals, added exactly. A plain float sum differs from it by up to n * 5e-10, which is
    more than 1e-9 relative on an error computed from the difference of two such sums."""
    nine = Decimal("1e-9")
    return float(sum(Decimal(repr(float(value))).quantize(nine) for value in values))


def _expected_checks(warehouse) -> dict[tuple, tuple[float, str]]:
    """(tenant, model, check) -> (value, threshold kind), recomputed from the ML tables."""
    runs = warehouse.query(
        "select tenant_id, cutoff_date, backtest_relative_error from ml.ml_clv_model_runs"
    )
    backtest = (
        warehouse.query("select tenant_id, target, actual, predicted from ml.ml_mmm_backtest")
        .groupby(["tenant_id", "target"])[["actual", "predicted"]]
        .agg(_sum_at_nine_decimals)
        .reset_index()
    )
    mape = warehouse.query(
        "select tenant_id, target, metric, value from ml.ml_mmm_diagnostics "
        "where metric in ('in_sample_mape', 'holdout_mape')"
    )
    checks = {}
    for row in runs.itertuples():
        checks[(row.tenant_id, "clv", "backtest_error")] = (
            row.backtest_relative_error,
            "relative_error",
        )
    for row in backtest.itertuples():
        error = abs(float(row.predicted) - float(row.actual)) / float(row.actual)
        checks[(row.tenant_id, f"mmm_{row.target}", "holdout_total_error")] = (
            error,
            "relative_error",
        )
    names = {"in_sample_mape": "fit_error", "holdout_mape": "holdout_error"}
    for row in mape.itertuples():
        checks[(row.tenant_id, f"mmm_{row.target}", names[row.metric])] = (row.value, "daily_mape")
    return checks


def test_model_health_lights_follow_the_recomputed_errors_and_thresholds(demo_run):
    warehouse, thresholds = demo_run.warehouse, _thresholds()
    health = warehouse.query(
        "select tenant_id, model_key, check_key, metric_value, status from marts.mart_model_health"
    ).set_index(["tenant_id", "model_key", "check_key"])
    expected = _expected_checks(warehouse)
    assert {(t, m) for t, m, _ in expected} == {
        (t, m) for t in DEMO_TENANTS for m in ("clv", "mmm_revenue", "mmm_new_customers")
    }
    for key, (value, kind) in expected.items():
        row = health.loc[key]
        assert math.isclose(float(row["metric_value"]), float(value), rel_tol=1e-9), key
        assert row["status"] == _light(float(value), thresholds[kind]), key
    lags = health.xs("cutoff_lag", level="check_key")
    assert len(lags) == 3 * len(DEMO_TENANTS)
    assert set(lags["status"]) <= {"verde", "amarillo", "rojo"}
