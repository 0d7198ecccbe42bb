"""The Dagster side: the `alert_notifications` asset on the crafted marts, its evaluation dates,
and the run-failure sensor, against a local webhook receiver."""

from __future__ import annotations

import datetime as dt
import json

import dagster as dg
import pytest
import yaml

from cerebro.actions.alerts.config import parse_alerts_config
from cerebro.settings import PROJECT_ROOT
from orchestration.alert_assets import (
    ALERT_MARTS,
    FAILURE_NOTIFIED_TAG,
    alert_dates_for,
    alert_notifications,
    notify_on_run_failure,
)
from orchestration.resources import CerebroResource
from tests.cerebro.actions.alerts.alert_helpers import (
    WEBHOOK_ENV,
    WEBHOOK_PATH,
    WEBHOOK_SECRET,
    alerts_document,
    evaluate,
    rule,
)
from tests.cerebro.actions.alerts.crafted_marts import ALERT_DATE, TENANTS

ABANDONMENT = rule("abandono_alto", "cart_abandonment_rate", 0.75)


@pytest.fixture
def alerts_file(tmp_path, monkeypatch, httpserver):
    """Point CEREBRO_ALERTS_FILE at a file written by the test, the webhook at the receiver."""
    path = tmp_path / "alerts_asset.yml"
    monkeypatch.setenv("CEREBRO_ALERTS_FILE", str(path))
    monkeypatch.setenv(WEBHOOK_ENV, httpserver.url_for(WEBHOOK_PATH))
    httpserver.expect_request(WEBHOOK_PATH, method="POST").respond_with_data("ok")

    def write(document: dict) -> None:
        path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")

    return write


def _materialize(warehouse, instance, alert_date="2026-11-20"):
    settings = warehouse.settings
    return dg.materialize(
        [alert_notifications],
        instance=instance,
        resources={
            "cerebro": CerebroResource(
                data_dir=str(settings.data_dir),
                tenants_file=str(settings.tenants_file),
                duckdb_path=str(settings.duckdb_path),
            )
        },
        run_config={"ops": {"alert_notifications": {"config": {"alert_date": alert_date}}}},
        raise_on_error=False,
    )


def _metadata(result) -> dict:
    (event,) = result.get_asset_materialization_events()
    return {k: v.value for k, v in event.materialization.metadata.items()}


def _everything_logged(instance, run_id: str) -> str:
    return "\n".join(
        json.dumps(dg.serialize_value(record), ensure_ascii=False)
        for record in instance.all_logs(run_id)
    )


def test_asset_sends_what_fired_and_reports_counts_without_secrets(
    warehouse, alerts_file, httpserver
):
    """Two rules fire for t_cl; one of them was already sent that day by an earlier
    evaluation (a re-run), so the asset sends only the other."""
    cancellations = rule("cancelaciones", "cancellation_rate", 0.2)
    document = alerts_document([ABANDONMENT, cancellations])
    alerts_file(document)
    earlier = alerts_document([cancellations])
    evaluate(warehouse, parse_alerts_config(earlier, warehouse.settings.data_dir), ALERT_DATE)
    instance = dg.DagsterInstance.ephemeral()
    result = _materialize(warehouse, instance)

    assert result.success
    assert len(httpserver.log) == 1
    assert "abandono de carrito" in json.loads(httpserver.log[0][0].get_data())["text"]
    metadata = _metadata(result)
    assert metadata["alert_dates"] == {"t_cl": "2026-11-20", "t_pe": "2026-11-20"}
    assert (metadata["rules_evaluated"], metadata["fired"], metadata["new_alerts"]) == (4, 2, 1)
    assert (metadata["suppressed_duplicates"], metadata["sent"]) == (1, 1)
    assert (metadata["failed_deliveries"], metadata["evaluation_errors"]) == (0, {})
    assert WEBHOOK_SECRET not in _everything_logged(instance, result.run_id)


def test_a_rule_that_cannot_be_evaluated_fails_the_asset_after_the_others_were_sent(
    warehouse, alerts_file, httpserver
):
    with warehouse.connect() as connection:
        connection.execute("drop table marts.mart_source_lag")
    alerts_file(alerts_document([ABANDONMENT, rule("fuentes", "source_hours_since_sync", 36)]))
    result = _materialize(warehouse, dg.DagsterInstance.ephemeral())

    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    assert "t_cl/fuentes" in failure.step_failure_data.user_failure_data.description
    assert len(httpserver.log) == 1  # the abandonment alert went out anyway


def test_asset_depends_on_the_marts_its_metrics_read():
    deps = {key.path[-1] for key in alert_notifications.asset_deps[alert_notifications.key]}
    assert deps == set(ALERT_MARTS)
    assert {"mart_checkouts_daily", "mart_churn_radar_capital", "mart_source_lag"} <= deps
    models = {path.stem for path in (PROJECT_ROOT / "dbt_project/models/marts").rglob("*.sql")}
    assert set(ALERT_MARTS) <= models
    assert alert_notifications.group_names_by_key[alert_notifications.key] == "notifications"


def test_evaluation_dates_come_from_config_partition_range_or_each_tenants_yesterday():
    # 04:30 UTC on 21 Nov: 01:30 on 21 Nov in Santiago (UTC-3), 23:30 on 20 Nov in Lima (UTC-5).
    now = dt.datetime(2026, 11, 21, 4, 30, tzinfo=dt.UTC)
    day = dt.date
    assert alert_dates_for(TENANTS, configured=None, tags={}, now=now) == {
        "t_cl": day(2026, 11, 20),
        "t_pe": day(2026, 11, 19),
    }
    both = {"t_cl": day(2026, 11, 18), "t_pe": day(2026, 11, 18)}
    assert alert_dates_for(TENANTS, configured="2026-11-18", tags={}, now=now) == both
    partition = {"dagster/partition/date": "2026-11-18"}
    assert alert_dates_for(TENANTS, configured=None, tags=partition, now=now) == both
    backfill = {
        "dagster/asset_partition_range_start": "2026-11-01|t_cl",
        "dagster/asset_partition_range_end": "2026-11-18|t_pe",
    }
    assert alert_dates_for(TENANTS, configured=None, tags=backfill, now=now) == both


@dg.op
def load_orders():
    raise RuntimeError(
        "no se pudo leer marts.fct_orders en postgresql://cerebro:pg-s3cr3t@db.internal:5432/x"
    )


@dg.job
def broken_job():
    load_orders()


def test_run_failure_sensor_posts_one_critical_message_per_failed_run(alerts_file, httpserver):
    document = alerts_document([ABANDONMENT], run_failures={"channels": ["slack"]})
    alerts_file(document)
    instance = dg.DagsterInstance.ephemeral()
    result = broken_job.execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success

    def context():
        return dg.build_run_status_sensor_context(
            sensor_name="notify_on_run_failure",
            dagster_instance=instance,
            dagster_run=result.dagster_run,
            dagster_event=result.get_run_failure_event(),
        ).for_run_failure()

    notify_on_run_failure(context())
    notify_on_run_failure(context())  # the same failure seen again: not sent twice

    assert len(httpserver.log) == 1
    text = json.loads(httpserver.log[0][0].get_data())["text"]
    lines = text.splitlines()
    assert lines[0] == "\U0001f6a8 *CRÍTICA* · *Falló una ejecución de Dagster*"
    assert "Job: broken_job" in lines and f"Run: {result.run_id}" in lines
    assert "Paso: load_orders" in lines
    error = next(line for line in lines if line.startswith("Error: "))
    assert "RuntimeError: no se pudo leer marts.fct_orders" in error
    assert "pg-s3cr3t" not in text and "postgresql://db.internal/…" in error
    tags = instance.get_run_by_id(result.run_id).tags
    assert tags[FAILURE_NOTIFIED_TAG] == "slack"
