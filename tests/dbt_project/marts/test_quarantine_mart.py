"""mart_quarantine_streams and the quarantine cards of "Salud de datos", on crafted raw rows and
quarantine entries, built by the real dbt project on DuckDB once for the module. Expected values
are worked out by hand from RAW_ROWS and ENTRIES: staging leaves out the rows with an open entry,
a row breaking two rules counts once, and a resolved entry is history, not a held-back row."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from cerebro.landing.contracts.quarantine import COLUMNS, write_quarantine
from cerebro.serving.dashboards.spec import load_dashboards
from tests.dbt_project.marts.crafted_dbt import (
    build_models,
    crafted_warehouse,
    insert_rows,
    land_empty_streams,
    warehouse_environ,
    write_tenants,
)

D = dt.datetime.fromisoformat
LANDED = D("2026-11-02 03:00")


def _order(order_id: str, total: float, currency: str = "CLP") -> dict:
    return {"tenant_id": "t_cl", "order_id": order_id, "total_amount": total,
            "currency": currency, "created_at": D("2026-11-01 12:00"),
            "updated_at": D("2026-11-01 12:00"), "_sdc_batched_at": LANDED}  # fmt: skip


RAW_ROWS = {
    "raw_shopify.orders": [
        _order("o1", 1000),
        _order("o2", -5),  # held back: negative total
        _order("o3", -7, currency="CLN"),  # held back: two rules, one row
        _order("o4", 2000),  # its entry was resolved: landed again, fixed
    ],
    "raw_shopify.order_lines": [
        {"tenant_id": "t_cl", "order_line_id": "l1", "order_id": "o1", "quantity": 1,
         "_sdc_batched_at": LANDED},
        {"tenant_id": "t_cl", "order_line_id": "l9", "order_id": "o9", "quantity": 1,
         "_sdc_batched_at": LANDED},  # held back: its order never landed
    ],
    "raw_shopify.customers": [
        {"tenant_id": "t_cl", "customer_id": "c1", "created_at": D("2026-10-01 00:00"),
         "_sdc_batched_at": LANDED},
        # t_pe's only customer is held back: the stream has rows in quarantine, none staged.
        {"tenant_id": "t_pe", "customer_id": "c7", "state": "ZOMBIE",
         "created_at": D("2026-10-01 00:00"), "_sdc_batched_at": LANDED},
    ],
    "raw_meta_ads.ads_insights": [
        {"tenant_id": "t_pe", "account_id": "a", "campaign_id": "k", "spend": 10,
         "date_start": dt.date(2026, 11, 1), "_sdc_batched_at": LANDED},
    ],
}  # fmt: skip

#: tenant, source, stream, record key, rule, reason, first seen, last seen, resolved
ENTRIES = [
    ("t_cl", "shopify", "orders", "o2", "non_negative:total_amount",
     "total_amount es un número ≥ 0; se recibió -5", "2026-11-02 03:05", "2026-11-03 03:05", None),
    ("t_cl", "shopify", "orders", "o3", "non_negative:total_amount",
     "total_amount es un número ≥ 0; se recibió -7", "2026-11-03 03:05", "2026-11-03 03:05", None),
    ("t_cl", "shopify", "orders", "o3", "accepted_values:currency",
     "currency es uno de …; se recibió 'CLN'", "2026-11-03 03:05", "2026-11-03 03:05", None),
    ("t_cl", "shopify", "orders", "o4", "accepted_values:currency",
     "currency es uno de …; se recibió 'PES'", "2026-10-30 03:05", "2026-10-30 03:05",
     "2026-11-02 03:05"),
    ("t_cl", "shopify", "order_lines", "l9", "references:order_id",
     "order_id es una clave de orders del cliente; se recibió 'o9'", "2026-11-02 03:06",
     "2026-11-04 03:06", None),
    ("t_pe", "shopify", "customers", "c7", "accepted_values:state",
     "state es uno de …; se recibió 'ZOMBIE'", "2026-11-02 03:07", "2026-11-02 03:07", None),
    # A t_pe Meta Ads row quarantined once and fixed since.
    ("t_pe", "meta_ads", "ads_insights", "a|k|2026-11-01", "non_negative:spend",
     "spend es un número ≥ 0; se recibió -10", "2026-10-29 03:00", "2026-10-29 03:00",
     "2026-11-02 03:00"),
]  # fmt: skip

#: (tenant, source, stream) -> rows staged, open rows, open share, open entries, resolved
#: entries, open rules, oldest open since, last detected, example key.
EXPECTED = {
    ("t_cl", "shopify", "orders"): (
        2, 2, 0.5, 3, 1,
        "número negativo o ilegible (total_amount), valor desconocido (currency)",
        "2026-11-02 03:05", "2026-11-03 03:05", "o2",
    ),
    ("t_cl", "shopify", "order_lines"): (
        1, 1, 0.5, 1, 0, "referencia a un registro inexistente (order_id)",
        "2026-11-02 03:06", "2026-11-04 03:06", "l9",
    ),
    ("t_cl", "shopify", "customers"): (1, 0, 0.0, 0, 0, None, None, None, None),
    ("t_pe", "shopify", "customers"): (
        0, 1, 1.0, 1, 0, "valor desconocido (state)", "2026-11-02 03:07", "2026-11-02 03:07",
        "c7",
    ),
    ("t_pe", "meta_ads", "ads_insights"): (
        1, 0, 0.0, 0, 1, None, None, "2026-10-29 03:00", None,
    ),
}  # fmt: skip
FIELDS = ["rows_staged", "open_rows", "open_share", "open_entries", "resolved_entries",
          "open_rules", "oldest_open_since", "last_detected_at", "example_record_key"]  # fmt: skip


def _entries() -> pd.DataFrame:
    frame = pd.DataFrame(
        [(*entry[:4], "{}", *entry[4:]) for entry in ENTRIES],
        columns=["tenant_id", "source_name", "stream_name", "record_key", "record", "rule",
                 "reason", "first_seen_at", "last_seen_at", "resolved_at"],
    )  # fmt: skip
    for column in ("first_seen_at", "last_seen_at", "resolved_at"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[us]")
    return frame[list(COLUMNS)]


@pytest.fixture(scope="module")
def quarantine_mart(request, tmp_path_factory):
    directory = tmp_path_factory.mktemp("quarantine_mart")
    environ = warehouse_environ(request, "duckdb", directory)
    land_empty_streams(environ, directory)
    for table, rows in RAW_ROWS.items():
        insert_rows(environ["CEREBRO_DUCKDB_PATH"], table, rows)
    warehouse = crafted_warehouse(environ)
    write_tenants(warehouse, {"t_cl": "America/Santiago", "t_pe": "America/Lima"})
    write_quarantine(warehouse, _entries())
    seconds = build_models(environ, directory, "+mart_quarantine_streams")
    print(f"dbt build of the quarantine mart on duckdb: {seconds:.1f} s")
    return warehouse


def _text(value) -> str | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return None
    return str(value)[:16] if isinstance(value, pd.Timestamp | dt.datetime) else value


def test_each_stream_counts_its_held_back_rows_once_next_to_what_staging_reads(
    quarantine_mart,
):
    mart = quarantine_mart.query("select * from marts.mart_quarantine_streams")
    mart = mart.set_index(["tenant_id", "source_name", "stream_name"])
    # Streams that landed nothing and were never quarantined are not listed.
    assert sorted(mart.index) == sorted(EXPECTED)
    for key, expected in EXPECTED.items():
        row = mart.loc[key]
        actual = [_text(row[field]) for field in FIELDS]
        actual[0:2] = [int(row["rows_staged"]), int(row["open_rows"])]
        actual[2] = pytest.approx(float(row["open_share"]))
        actual[3:5] = [int(row["open_entries"]), int(row["resolved_entries"])]
        assert actual == [expected[0], expected[1], expected[2], *expected[3:]], key


def test_the_example_is_the_longest_held_entry_with_its_reason(quarantine_mart):
    reasons = quarantine_mart.query(
        "select example_reason from marts.mart_quarantine_streams "
        "where tenant_id = 't_cl' and stream_name = 'orders'"
    )
    assert reasons["example_reason"].tolist() == ["total_amount es un número ≥ 0; se recibió -5"]


def test_the_raw_record_which_may_hold_contacts_is_not_in_the_mart(quarantine_mart):
    columns = quarantine_mart.query("select * from marts.mart_quarantine_streams limit 0").columns
    assert "record" not in columns


@pytest.fixture(scope="module")
def health_page():
    return next(d for d in load_dashboards() if d.key == "salud_datos")


@pytest.mark.parametrize(("tenant", "rows", "tables"), [("t_cl", 3, 2), ("t_pe", 1, 1)])
def test_the_scalar_cards_count_held_back_rows_and_tables(
    quarantine_mart, health_page, tenant, rows, tables
):
    values = {
        key: health_page.card(key).run(quarantine_mart, {"tenant": tenant})["value"].tolist()
        for key in ("filas_en_cuarentena", "tablas_en_cuarentena")
    }
    assert values == {"filas_en_cuarentena": [rows], "tablas_en_cuarentena": [tables]}


def test_the_table_card_lists_every_stream_most_held_back_first(quarantine_mart, health_page):
    card = health_page.card("cuarentena_por_tabla")
    frame = card.run(quarantine_mart, {"tenant": "t_cl"})
    assert list(frame.columns) == list(card.columns)
    assert frame[["stream_name", "open_rows"]].values.tolist() == [
        ["orders", 2], ["order_lines", 1], ["customers", 0],
    ]  # fmt: skip
