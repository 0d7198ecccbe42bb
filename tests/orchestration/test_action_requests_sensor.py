"""The Metabase requests sensor on a crafted DuckDB warehouse: a tick runs the queued requests
with the command line's code and writes their outcome; the next tick finds nothing to run, and
a warehouse held by a platform run makes the tick wait instead of failing a request.

Oracle: ``cerebro activate --dry-run``'s plan on the same marts (the preview's counts) and the
request table's states."""

from __future__ import annotations

import subprocess
import sys

import dagster as dg

from cerebro.actions.activation.sync import activate
from cerebro.actions.requests import submit
from orchestration.action_request_sensor import action_requests_sensor
from orchestration.resources import CerebroResource
from tests.cerebro.actions.activation.sync.activation_crafted_marts import (
    TENANT,
    customers,
    write_marts,
)
from tests.support.dbt_manifest import prepared_dbt_manifest

#: Holds the DuckDB file open for writing until its stdin closes.
HOLD_LOCK = (
    "import sys, duckdb; connection = duckdb.connect(sys.argv[1]); "
    "print('holding', flush=True); sys.stdin.read(); connection.close()"
)
SEGMENT = "Frecuentes alejados"
TENANTS_YAML = f"""
tenants:
  - tenant_id: {TENANT}
    name: Tienda
    timezone: America/Santiago
    currency: CLP
    country_code: CL
    demo: {{profile: cl_services}}
    sources: {{shopify: {{tap: demo}}}}
    destinations:
      klaviyo: {{secrets: {{api_key: KLAVIYO_KEY_TEST}}}}
    activations:
      - {{segment: {SEGMENT}, destination: klaviyo}}
"""


def _resource(tmp_path) -> CerebroResource:
    (tmp_path / "tenants.yml").write_text(TENANTS_YAML, encoding="utf-8")
    return CerebroResource(
        data_dir=str(tmp_path),
        tenants_file=str(tmp_path / "tenants.yml"),
        duckdb_path=str(tmp_path / "cerebro.duckdb"),
    )


def _tick(cerebro: CerebroResource):
    return action_requests_sensor(dg.build_sensor_context(resources={"cerebro": cerebro}))


def _preview(warehouse, segment=SEGMENT) -> int:
    return submit(warehouse, "cl_reader", tenant_id=TENANT, kind="sincronizar_segmento",
                  segment=segment, destination="klaviyo", preview=True)  # fmt: skip


def test_a_tick_runs_each_queued_request_once_and_writes_its_outcome(tmp_path):
    cerebro = _resource(tmp_path)
    warehouse = cerebro.warehouse()
    write_marts(warehouse, customers(50))
    (tenant,) = cerebro.tenants()
    plan = activate(warehouse, tenant, SEGMENT, "klaviyo", dry_run=True).plan
    good, bad = _preview(warehouse), _preview(warehouse, "Clientes marcianos")
    first = _tick(cerebro)
    assert isinstance(first, dg.SkipReason) and f"{good} done" in first.skip_message
    assert f"{bad} refused" in first.skip_message
    rows = warehouse.query(
        "select request_id, state, result from ops.action_requests order by request_id"
    )
    assert rows["state"].tolist() == ["done", "refused"]
    assert (
        f"{plan.members} clientes en el segmento, {len(plan.add)} por agregar"
        in (rows["result"].iloc[0])
    )
    second = _tick(cerebro)
    assert second.skip_message == "no queued requests"
    assert not warehouse.table_exists("ops", "activation_log")


def test_a_tick_stops_an_activation_and_refuses_a_sync_without_its_preview(tmp_path):
    """The kinds added in decision 0069 run through the sensor with the same code: a stop of
    a scheduled pair is done, a confirmation with no preview is refused, nothing is sent."""
    cerebro = _resource(tmp_path)
    warehouse = cerebro.warehouse()
    write_marts(warehouse, customers(10))
    (tenant,) = cerebro.tenants()
    activate(warehouse, tenant, SEGMENT, "klaviyo", dry_run=True)
    stop = submit(warehouse, "cl_reader", tenant_id=TENANT, kind="detener_activacion",
                  segment=SEGMENT, destination="klaviyo")  # fmt: skip
    confirm = submit(warehouse, "cl_reader", tenant_id=TENANT, kind="sincronizar_segmento",
                     segment=SEGMENT, destination="klaviyo", preview=False)  # fmt: skip
    tick = _tick(cerebro)
    assert f"{stop} done" in tick.skip_message and f"{confirm} refused" in tick.skip_message
    assert warehouse.query("select count(*) as n from ops.stopped_activations")["n"][0] == 1
    assert not warehouse.table_exists("ops", "activation_log")


def test_a_busy_warehouse_makes_the_tick_wait_and_the_request_stays_queued(tmp_path):
    """Another process holds DuckDB's one write lock (as a platform run does): the tick skips
    and the request stays queued; once the lock is released, the next tick runs it."""
    cerebro = _resource(tmp_path)
    warehouse = cerebro.warehouse()
    write_marts(warehouse, customers(10))
    _preview(warehouse)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(tmp_path / "cerebro.duckdb")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "holding"
        busy = _tick(cerebro)
        assert "the warehouse is busy" in busy.skip_message
    finally:
        holder.communicate("")
    assert warehouse.query("select state from ops.action_requests")["state"].tolist() == ["queued"]
    assert "1 done" in _tick(cerebro).skip_message


def test_the_sensor_is_registered_and_running_by_default():
    prepared_dbt_manifest()
    from orchestration.definitions import defs

    sensor = defs.resolve_sensor_def("action_requests_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
