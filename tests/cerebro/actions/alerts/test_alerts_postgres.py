"""The same crafted marts on PostgreSQL: every metric measures the hand-worked value, the ops
tables are created and de-duplicate, and a rule whose mart is missing (an aborted transaction
on PostgreSQL) does not stop the rules after it."""

from __future__ import annotations

import pytest

from cerebro.actions.alerts.config import parse_alerts_config
from cerebro.settings import PostgresSettings, Settings
from cerebro.warehouse import Warehouse
from tests.cerebro.actions.alerts.alert_helpers import alerts_document, evaluate, rule
from tests.cerebro.actions.alerts.crafted_marts import ALERT_DATE, capital_snapshot, fill_warehouse


@pytest.fixture
def postgres_warehouse(postgres_server, tmp_path) -> Warehouse:
    settings = Settings(
        data_dir=tmp_path,
        tenants_file=tmp_path / "tenants.yml",
        warehouse="postgres",
        postgres=PostgresSettings(
            host=postgres_server.host,
            port=postgres_server.port,
            user=postgres_server.user,
            database=postgres_server.create_database("alerts"),
        ),
    )
    return fill_warehouse(Warehouse(settings))


def test_rules_measure_the_hand_worked_values_and_deduplicate_on_postgresql(
    postgres_warehouse, tmp_path
):
    warehouse = postgres_warehouse
    with warehouse.connect() as connection:
        connection.execute("drop table marts.mart_order_completions_daily")
    config = parse_alerts_config(
        alerts_document(
            [
                # First, so that the rules after it run after a failed query.
                rule("cancelaciones", "cancellation_rate", 0.2),
                rule("abandono", "cart_abandonment_rate", 0.75),
                rule("cac_meta", "cac", 20_000, channel="Meta Ads"),
                rule("cac_total", "cac", 20_000),
                rule("fuentes", "source_hours_since_sync", 36),
                rule("capital", "capital_at_risk_change", 0.2),
            ]
        ),
        tmp_path / "alerts.yml",
    )
    evaluate(warehouse, config, ALERT_DATE.replace(day=13))
    capital_snapshot(warehouse, [("t_cl", "2026-11-20", 1_250_000.0), ("t_pe", "2026-11-20", 9.0)])
    summary = evaluate(warehouse, config, ALERT_DATE)
    again = evaluate(warehouse, config, ALERT_DATE)

    assert set(summary.errors) == {"t_cl/cancelaciones", "t_pe/cancelaciones"}
    values = {o.rule.id: o.measurement.value for o in summary.outcomes if o.tenant_id == "t_cl"}
    assert values == pytest.approx(
        {"abandono": 0.8, "cac_meta": 25_000.0, "cac_total": 20_000.0, "fuentes": 42.0,
         "capital": 0.25}
    )  # fmt: skip
    fired = {o.rule.id for o in summary.fired if o.tenant_id == "t_cl"}
    assert fired == {"abandono", "cac_meta", "fuentes", "capital"}  # cac_total is at 20 000
    assert summary.new_alerts == 4 and again.suppressed_duplicates == 4 and again.new_alerts == 0
    logged = warehouse.query(
        "select rule_id from ops.alert_log where tenant_id = 't_cl' and alert_date = %(day)s",
        {"day": ALERT_DATE},
    )
    assert sorted(logged["rule_id"]) == ["abandono", "cac_meta", "capital", "fuentes"]
