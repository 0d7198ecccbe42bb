"""The sync on PostgreSQL: the same crafted marts and in-memory vendor as on DuckDB; the log is
created there, read back to plan, and completes a sync killed midway."""

from __future__ import annotations

import datetime as dt

import pytest

from cerebro.actions.activation.sync import activate, audience_name
from cerebro.settings import PostgresSettings, Settings
from cerebro.warehouse import Warehouse
from tests.cerebro.actions.activation.sync.activation_crafted_marts import (
    TENANT,
    customers,
    write_marts,
)
from tests.cerebro.actions.activation.sync.activation_fake_list import FakeList, VendorState


@pytest.fixture
def pg_warehouse(postgres_server, tmp_path) -> Warehouse:
    return Warehouse(
        Settings(
            data_dir=tmp_path,
            tenants_file=tmp_path / "tenants.yml",
            warehouse="postgres",
            postgres=PostgresSettings(
                host=postgres_server.host,
                port=postgres_server.port,
                user=postgres_server.user,
                database=postgres_server.create_database("activation"),
            ),
        )
    )


def test_killed_then_completed_then_unchanged_on_postgres(pg_warehouse, tenant):
    people = customers(200)
    write_marts(pg_warehouse, people)
    vendor = VendorState()
    with pytest.raises(KeyboardInterrupt):
        activate(pg_warehouse, tenant, "Frecuentes alejados", "klaviyo",
                 destination=FakeList(vendor, interrupt_after=33))  # fmt: skip
    second = activate(
        pg_warehouse, tenant, "Frecuentes alejados", "klaviyo", destination=FakeList(vendor)
    )
    third = activate(
        pg_warehouse, tenant, "Frecuentes alejados", "klaviyo", destination=FakeList(vendor)
    )
    listed = vendor.lists[audience_name(TENANT, "Frecuentes alejados")]
    assert set(vendor.accepted.values()) == {1}
    assert second.plan.unchanged == 33 and second.sent == len(listed) - 33
    assert third.calls == 0 and third.plan.unchanged == len(listed)
    log = pg_warehouse.query(
        "select action, status, count(*) as n, max(logged_at) as last "
        "from ops.activation_log group by 1, 2 order by 1, 2"
    )
    counts = {(row.action, row.status): row.n for row in log.itertuples()}
    assert counts[("add", "sent")] == len(listed)
    assert counts[("hold_out", "held_out")] == 3 * len(second.plan.held_out)
    # Naive UTC, as every timestamp of the warehouse.
    last = log["last"].max().to_pydatetime()
    assert last.tzinfo is None
    assert abs(last - dt.datetime.now(dt.UTC).replace(tzinfo=None)) < dt.timedelta(minutes=5)
