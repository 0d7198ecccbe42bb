"""Alerts set from Metabase: checked when asked, stored for the tenant, and evaluated beside
the alerts file's rules, on a crafted DuckDB warehouse.

Oracles: the crafted mart's own value (what the evaluation measures and logs in
``ops.alert_log``), the warehouse's column types (a text column is refused) and the table's
states (a refused request writes nothing)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from cerebro.actions.alerts.config import load_alerts_config
from cerebro.actions.alerts.evaluate import run_alerts
from cerebro.actions.alerts.requested import requested_rules
from cerebro.actions.requests import run_pending, submit
from tests.cerebro.actions.activation.sync.activation_crafted_marts import TENANT

ALERTS_YAML = """
channels:
  slack_marketing: {type: webhook, webhook_env: CEREBRO_TEST_ALERTS_WEBHOOK}
  correo: {type: email, to: [gerencia@tienda.cl]}
rules: []
"""
DAY = dt.date(2026, 11, 26)


@pytest.fixture
def alerts_file(tmp_path, monkeypatch):
    path = tmp_path / "alerts.yml"
    path.write_text(ALERTS_YAML, encoding="utf-8")
    monkeypatch.setenv("CEREBRO_ALERTS_FILE", str(path))
    return path


@pytest.fixture
def kpi_mart(warehouse):
    warehouse.replace_table("marts", "mart_tenant_snapshot", pd.DataFrame({
        "tenant_id": [TENANT, "otro_cl"], "revenue_amount": [1_250_000.0, 9.0],
        "top_channel": ["Meta Ads", "Email"],
    }))  # fmt: skip
    warehouse.replace_table("marts", "mart_daily_rows", pd.DataFrame({
        "tenant_id": [TENANT, TENANT], "orders": [3, 4],
    }))  # fmt: skip


def _alert(warehouse, metric, threshold=1_000_000, channel="slack", name="Ventas altas",
           comparison="above"):  # fmt: skip
    return submit(warehouse, "cl_reader", tenant_id=TENANT, kind="alerta", alert_name=name,
                  metric=metric, comparison=comparison, threshold=threshold,
                  channel=channel)  # fmt: skip


def test_an_alert_on_a_kpi_mart_scalar_is_evaluated_beside_the_files_rules(
    warehouse, tenant, alerts_file, kpi_mart
):
    _alert(warehouse, "mart_tenant_snapshot.revenue_amount")
    assert _alert(warehouse, "mart_tenant_snapshot.revenue_amount") is None  # double click
    (outcome,) = run_pending(warehouse, {TENANT: tenant})
    assert outcome.state == "done", outcome.result
    assert outcome.result.startswith("Alerta «Ventas altas» creada: avisa por slack")
    ((tenant_id, rule),) = requested_rules(warehouse)
    assert (tenant_id, rule.channels, rule.threshold) == (TENANT, ("slack_marketing",), 1e6)
    config = load_alerts_config(alerts_file)
    summary = run_alerts(warehouse, [tenant], config, alert_dates={TENANT: DAY},
                         now=dt.datetime(2026, 11, 27, 9), environ={})  # fmt: skip
    (fired,) = summary.fired
    assert fired.rule.id == "metabase_ventas_altas"
    assert fired.measurement.value == 1_250_000.0
    logged = warehouse.query("select tenant_id, rule_id from ops.alert_log")
    assert logged.values.tolist() == [[TENANT, "metabase_ventas_altas"]]


def test_an_alert_below_its_threshold_does_not_fire(warehouse, tenant, alerts_file, kpi_mart):
    _alert(warehouse, "mart_tenant_snapshot.revenue_amount", threshold=2_000_000)
    run_pending(warehouse, {TENANT: tenant})
    summary = run_alerts(warehouse, [tenant], load_alerts_config(alerts_file),
                         alert_dates={TENANT: DAY}, environ={})  # fmt: skip
    assert summary.fired == [] and len(summary.outcomes) == 1


@pytest.mark.parametrize(
    ("metric", "threshold", "channel", "words"),
    [("mart_tenant_snapshot.top_channel", 1, "slack", "no un número"),
     ("mart_tenant_snapshot.margen", 1, "slack", "no tiene la columna «margen»"),
     ("ventas_de_marte", 1, "slack", "No existe la métrica «ventas_de_marte»"),
     ("mart_daily_rows.orders", 1, "slack", "tiene 2 filas para este cliente"),
     ("cac", -5, "email", "El umbral -5 no sirve para «cac»"),
     ("mart_tenant_snapshot.revenue_amount", 1, "whatsapp", "aún no se envían por WhatsApp")],
    ids=["text column", "unknown column", "unknown metric", "not a scalar",
         "negative CAC", "whatsapp"],
)  # fmt: skip
def test_a_bad_alert_is_refused_in_one_spanish_line_and_nothing_is_stored(
    warehouse, tenant, alerts_file, kpi_mart, metric, threshold, channel, words
):
    _alert(warehouse, metric, threshold=threshold, channel=channel)
    (outcome,) = run_pending(warehouse, {TENANT: tenant})
    assert outcome.state == "refused" and words in outcome.result, outcome.result
    assert "\n" not in outcome.result
    assert not warehouse.table_exists("ops", "requested_alerts")


def test_an_alert_of_the_same_name_is_refused(warehouse, tenant, alerts_file, kpi_mart):
    _alert(warehouse, "cac", threshold=20_000, channel="email")
    _alert(warehouse, "mart_tenant_snapshot.revenue_amount")
    first, second = run_pending(warehouse, {TENANT: tenant})
    assert first.state == "done" and second.state == "refused"
    assert "Ya existe la alerta «Ventas altas»" in second.result
    assert len(requested_rules(warehouse)) == 1
