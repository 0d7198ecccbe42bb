"""The quarantine's life cycle on a crafted DuckDB warehouse: a bad row is quarantined, a
re-detection keeps its first sighting, the row fixed and landed again resolves the entry
(kept, not deleted), only rows written since the last landing are evaluated, and the landing's
contract check fails only when a tenant's newly quarantined share exceeds the limit."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pandas as pd
import pytest

from cerebro.landing.contracts.landed import check_stream
from cerebro.landing.contracts.quarantine import read_quarantine, write_quarantine
from cerebro.settings import load_settings
from cerebro.warehouse import Warehouse
from orchestration.contract_checks import evaluate_contracts

KEYS = {
    ("shopify", "customers"): ("tenant_id", "customer_id"),
    ("shopify", "orders"): ("tenant_id", "order_id"),
    ("shopify", "order_lines"): ("tenant_id", "order_line_id"),
}
T1 = dt.datetime(2026, 11, 20, 6, 0)
T2 = dt.datetime(2026, 11, 21, 6, 0)


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.slow)])
def warehouse(request, tmp_path) -> Warehouse:
    if request.param == "duckdb":
        environ = {"CEREBRO_WAREHOUSE": "duckdb", "CEREBRO_DUCKDB_PATH": str(tmp_path / "w.duckdb")}
    else:
        server = request.getfixturevalue("postgres_server")
        environ = server.cerebro_environ(server.create_database("quarantine"))
    return Warehouse(load_settings(environ))


def _orders(rows: list[tuple[str, float, dt.datetime]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"tenant_id": "t", "order_id": order_id, "customer_id": None,
             "total_amount": amount, "currency": "CLP", "_sdc_batched_at": batched_at}
            for order_id, amount, batched_at in rows
        ]
    )  # fmt: skip


def _land(warehouse: Warehouse, table: str, frame: pd.DataFrame) -> None:
    """Write ``raw_shopify.<table>`` as the target leaves it after an upsert."""
    warehouse.replace_table("raw_shopify", table, frame)


def _check(warehouse: Warehouse, stream: str, since, now) -> None:
    quarantine, _ = check_stream(
        warehouse, read_quarantine(warehouse), source="shopify", stream=stream,
        primary_keys=KEYS, tenant_id="t", since=since, now=now,
    )  # fmt: skip
    write_quarantine(warehouse, quarantine)


def test_a_fixed_row_landed_again_resolves_its_entry_which_is_kept(warehouse):
    _land(warehouse, "orders", _orders([("o1", 100, T1), ("o2", -5, T1)]))
    _check(warehouse, "orders", since=None, now=T1)
    # Seen again, still bad: one entry, first sighting kept.
    _check(warehouse, "orders", since=None, now=T1 + dt.timedelta(hours=1))
    entries = read_quarantine(warehouse)
    assert entries[["record_key", "rule"]].values.tolist() == [["o2", "non_negative:total_amount"]]
    assert entries["first_seen_at"].tolist() == [T1]
    assert entries["last_seen_at"].tolist() == [T1 + dt.timedelta(hours=1)]
    assert entries["resolved_at"].isna().all()
    assert '"total_amount": -5' in entries["record"].iloc[0]

    _land(warehouse, "orders", _orders([("o1", 100, T1), ("o2", 5, T2)]))
    _check(warehouse, "orders", since=T2, now=T2)

    entries = read_quarantine(warehouse)
    assert len(entries) == 1
    assert entries["resolved_at"].tolist() == [T2]
    assert entries["first_seen_at"].tolist() == [T1]


def test_rows_written_before_since_are_not_evaluated(warehouse):
    _land(warehouse, "orders", _orders([("old_bad", -1, T1), ("new_good", 1, T2)]))

    quarantine, check = check_stream(
        warehouse, read_quarantine(warehouse), source="shopify", stream="orders",
        primary_keys=KEYS, tenant_id="t", since=T2, now=T2,
    )  # fmt: skip

    assert check.evaluation.rows_checked == 1
    assert quarantine.empty


@pytest.mark.slow  # three GX validations: seconds each on a busy machine
def test_a_line_whose_order_lands_later_is_released_without_being_landed_again(warehouse):
    _land(warehouse, "orders", _orders([("o1", 100, T1)]))
    lines = pd.DataFrame(
        [{"tenant_id": "t", "order_line_id": "l1", "order_id": "o2", "quantity": 1,
          "_sdc_batched_at": T1}]
    )  # fmt: skip
    _land(warehouse, "order_lines", lines)
    _check(warehouse, "order_lines", since=T1, now=T1)
    assert read_quarantine(warehouse)["rule"].tolist() == ["references:order_id"]

    _land(warehouse, "orders", _orders([("o1", 100, T1), ("o2", 100, T2)]))
    _check(warehouse, "order_lines", since=T2, now=T2)

    assert read_quarantine(warehouse)["resolved_at"].tolist() == [T2]


@pytest.mark.slow  # six GX validations
@pytest.mark.parametrize(("bad_rows", "passed"), [(1, True), (3, False)])
def test_the_check_fails_only_above_five_percent_newly_quarantined(warehouse, bad_rows, passed):
    # 40 orders: 1 bad is 2.5 % (quarantined, passes), 3 bad are 7.5 % (blocks).
    rows = [(f"o{i}", -1 if i < bad_rows else 1, T1) for i in range(40)]
    _land(warehouse, "orders", _orders(rows))
    _land(warehouse, "customers", pd.DataFrame({"tenant_id": ["t"], "customer_id": ["c1"]}))
    line = {"tenant_id": ["t"], "order_line_id": ["l1"], "order_id": ["o1"], "quantity": [1]}
    _land(warehouse, "order_lines", pd.DataFrame(line))

    results = {
        result.asset_key.path[-1]: result
        for result in evaluate_contracts(
            dg.build_asset_context(), "shopify", ["t"], warehouse, since=None, primary_keys=KEYS
        )
    }

    assert sorted(results) == ["customers", "order_lines", "orders"]
    orders = results["orders"]
    assert orders.passed is passed
    assert orders.check_name == "contract"
    assert orders.metadata["rows_checked"].value == 40
    assert orders.metadata["rows_quarantined_by_rule"].value == {
        "non_negative:total_amount": bad_rows
    }
    assert orders.metadata["open_quarantine_total"].value == bad_rows
    assert results["customers"].passed and results["order_lines"].passed
    assert len(read_quarantine(warehouse)) == bad_rows


def test_a_landing_of_no_tenant_reports_the_open_entries_and_writes_nothing(warehouse, monkeypatch):
    """Most sources land for no tenant of a one-tenant night: their checks report what is
    open and leave the quarantine, which the landings beside them write, alone."""
    _land(warehouse, "orders", _orders([("o1", -5, T1)]))
    _check(warehouse, "orders", since=None, now=T1)
    before = read_quarantine(warehouse)
    written = []
    monkeypatch.setattr(
        "orchestration.contract_checks.write_quarantine", lambda *args: written.append(args)
    )

    results = list(
        evaluate_contracts(
            dg.build_asset_context(), "shopify", [], warehouse, since=None, primary_keys=KEYS
        )
    )

    assert written == []
    assert {r.asset_key.path[-1]: r.passed for r in results} == dict.fromkeys(
        ("customers", "order_lines", "orders"), True
    )
    opened = {r.asset_key.path[-1]: r.metadata["open_quarantine_total"].value for r in results}
    assert opened == {"customers": 0, "order_lines": 0, "orders": 1}
    assert all(r.metadata["rows_checked"].value == 0 for r in results)
    pd.testing.assert_frame_equal(read_quarantine(warehouse), before)
