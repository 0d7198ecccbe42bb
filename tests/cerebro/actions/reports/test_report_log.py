"""`ops.report_log` on both warehouses: the first claim of a period wins, a second finds it
taken, and a released claim (a failed send) can be taken again."""

from __future__ import annotations

import datetime as dt

import pytest

from cerebro.actions.reports import log
from cerebro.settings import load_settings
from cerebro.warehouse import Warehouse

WEEK = ("t_cl", "weekly", dt.date(2026, 11, 9))


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse(request, tmp_path) -> Warehouse:
    if request.param == "duckdb":
        environ = {"CEREBRO_DUCKDB_PATH": str(tmp_path / "w.duckdb")}
    else:
        server = request.getfixturevalue("postgres_server")
        environ = server.cerebro_environ(server.create_database("report_log"))
    return Warehouse(load_settings(environ))


def test_a_period_is_claimed_once_until_released(warehouse):
    log.ensure_report_log(warehouse)
    log.ensure_report_log(warehouse)  # a second run finds the table
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert log.claim(warehouse, *WEEK, dt.date(2026, 11, 15), 2) is True
    assert log.claim(warehouse, *WEEK, dt.date(2026, 11, 15), 2) is False
    # Another cadence or tenant for the same start is another report.
    assert log.claim(warehouse, "t_cl", "daily", WEEK[2], WEEK[2], 1) is True
    rows = warehouse.query(
        "select tenant_id, cadence, period_start, period_end, recipients, sent_at "
        "from ops.report_log where cadence = 'weekly'"
    )
    assert len(rows) == 1
    row = rows.iloc[0]
    assert (
        str(row["period_start"])[:10] == "2026-11-09"
        and str(row["period_end"])[:10] == "2026-11-15"
    )
    assert int(row["recipients"]) == 2
    sent_at = (
        row["sent_at"].to_pydatetime()
        if hasattr(row["sent_at"], "to_pydatetime")
        else row["sent_at"]
    )
    assert before <= sent_at <= dt.datetime.now(dt.UTC).replace(tzinfo=None)  # naive UTC

    log.release(warehouse, *WEEK)
    assert log.claim(warehouse, *WEEK, dt.date(2026, 11, 15), 3) is True
