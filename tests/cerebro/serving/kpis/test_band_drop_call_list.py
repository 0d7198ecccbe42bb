"""The list of customers whose health band dropped this week is a call list: those who just
started slipping come before those already gone, and within a band those a call can still save
most (decision 0047). Checked on crafted rows of the health mart, through `get_customer_health_kpis`
and through the card on Retención y Lealtad (as the static page and as Metabase run it).

Oracle: the order written by hand below. Under the old order (worst band first, lowest score
first), customer d (Crítico -> Sin pulso) would lead the list.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from cerebro.serving.dashboards.spec import SPECS_DIR, load_dashboard
from cerebro.serving.kpis import get_customer_health_kpis
from cerebro.serving.metabase.desired import metabase_sql
from cerebro.settings import Settings
from cerebro.warehouse import Warehouse

TENANT = "salud_cl"
WEEK, BEFORE = dt.date(2026, 10, 25), dt.date(2026, 10, 18)
RANKS = {"Saludable": 1, "Frágil": 2, "Crítico": 3, "Sin pulso": 4}
#: customer -> (band before, band now, recoverable value this week)
DROPS = {
    "a": ("Saludable", "Frágil", 5_000.0),
    "b": ("Saludable", "Frágil", 20_000.0),
    "c": ("Frágil", "Crítico", 50_000.0),
    "d": ("Crítico", "Sin pulso", 90_000.0),
    "e": ("Saludable", "Crítico", 1_000.0),
    "f": ("Frágil", "Sin pulso", None),  # no prediction: nothing known to recover, last
}
#: Just started slipping first (best band now), then by what a call can still recover.
EXPECTED = ["b", "a", "c", "e", "d", "f"]


def _rows() -> pd.DataFrame:
    rows = []
    for customer, (before, now, recoverable) in {**DROPS, "g": ("Frágil", "Frágil", 99e6)}.items():
        for day, band, previous in ((BEFORE, before, None), (WEEK, now, before)):
            rows.append({
                "tenant_id": TENANT, "customer_id": customer, "as_of_date": day,
                "health_band": band, "health_band_rank": RANKS[band],
                "previous_health_band": previous, "health_score": 100.0 - 20 * RANKS[band],
                "prob_alive": 0.5, "days_since_last_purchase": 30,
                "recoverable_value": recoverable if day == WEEK else None,
                "is_band_drop": previous is not None and RANKS[band] > RANKS[previous],
                "acquisition_channel": "Directo", "region_name": "Región Metropolitana",
            })  # fmt: skip
    return pd.DataFrame(rows).astype({"as_of_date": "datetime64[ns]"})


@pytest.fixture
def warehouse(tmp_path) -> Warehouse:
    settings = Settings(
        data_dir=tmp_path, tenants_file=tmp_path / "tenants.yml", duckdb_path=tmp_path / "w.duckdb"
    )
    warehouse = Warehouse(settings)
    warehouse.replace_table(
        "marts", "dim_tenants", pd.DataFrame({"tenant_id": [TENANT], "currency": ["CLP"]})
    )
    warehouse.replace_table("marts", "mart_customer_health_weekly", _rows())
    contacts = pd.DataFrame({"customer_id": [*DROPS, "g"]})
    contacts["tenant_id"], contacts["email"] = TENANT, contacts["customer_id"] + "@cliente.cl"
    contacts["first_name"], contacts["last_name"], contacts["phone"] = "Ana", "Soto", "+56 9 1"
    warehouse.replace_table("marts", "mart_customer_contacts", contacts)
    with warehouse.connect() as connection:
        connection.execute(
            "alter table marts.mart_customer_health_weekly alter column as_of_date type date"
        )
    return warehouse


def test_the_function_lists_who_just_started_slipping_first_then_by_recoverable_value(warehouse):
    drops = get_customer_health_kpis(TENANT, BEFORE, WEEK, warehouse=warehouse)["band_drops"]
    assert [row["customer_id"] for row in drops] == EXPECTED
    assert drops[0]["recoverable_value"] == 20_000.0 and drops[-1]["recoverable_value"] is None
    assert {row["first_name"] for row in drops} == {"Ana"}


@pytest.mark.parametrize("as_run", ["spec", "metabase"])
def test_the_card_orders_its_rows_as_the_function_does(warehouse, as_run):
    card = load_dashboard(SPECS_DIR / "04_retencion_lealtad.yml").card("bajaron_de_banda")
    if as_run == "metabase":
        card = dataclasses.replace(card, sql=metabase_sql(card))
    values = {"tenant": TENANT, "date_from": BEFORE, "date_to": WEEK}
    frame = card.run(warehouse, values)
    assert list(frame["customer_id"]) == EXPECTED
