"""The Acciones page's control-group and no-consent counts: every sync logs its whole control
group (and its members without consent) again, so the page reads each activation's latest
sync; summing every sync counted the same customers once per sync (16,8 % "held out" against
a 10 % target, issue 55)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from cerebro.serving.dashboards.spec import load_dashboards
from cerebro.settings import load_settings
from cerebro.warehouse import Warehouse

#: (destination, segment, run, started, held out, without consent): two syncs of one
#: activation, one of another, and another tenant's.
SYNCS = [
    ("t_cl", "klaviyo", "Frecuentes alejados", "r1", "2026-11-01 08:00", 30, 12),
    ("t_cl", "klaviyo", "Frecuentes alejados", "r2", "2026-11-08 08:00", 32, 11),
    ("t_cl", "whatsapp", "ALTO RIESGO - VIP", "r3", "2026-11-05 08:00", 5, 2),
    ("t_pe", "klaviyo", "Frecuentes alejados", "r4", "2026-11-08 08:00", 99, 99),
]


@pytest.fixture
def warehouse(tmp_path) -> Warehouse:
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema marts")
        connection.execute(
            "create table marts.mart_activation_syncs (tenant_id varchar, destination varchar, "
            "segment varchar, run_id varchar, run_started_at timestamp, members_held_out "
            "integer, members_without_consent integer)"
        )
        connection.executemany(
            "insert into marts.mart_activation_syncs values (?, ?, ?, ?, ?, ?, ?)",
            [(*row[:4], dt.datetime.fromisoformat(row[4]), *row[5:]) for row in SYNCS],
        )
    return Warehouse(load_settings({"CEREBRO_DUCKDB_PATH": str(path)}))


@pytest.mark.parametrize(("card_key", "expected"), [("grupo_control", 32 + 5),
                                                    ("sin_consentimiento", 11 + 2)])  # fmt: skip
def test_each_activation_counts_once_at_its_latest_sync(warehouse, card_key, expected):
    page = next(d for d in load_dashboards() if d.key == "acciones")
    frame = page.card(card_key).run(warehouse, {"tenant": "t_cl"})
    assert int(frame["value"].iloc[0]) == expected
