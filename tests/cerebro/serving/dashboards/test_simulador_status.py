"""The Simulador's first card says where its plans come from, or why a tenant has none: a store
with no ad spend connected (Shopify only) saw every card say "Sin datos para este período"."""

from __future__ import annotations

import duckdb
import pytest

from cerebro.serving.dashboards.spec import load_dashboards
from cerebro.settings import load_settings
from cerebro.warehouse import Warehouse


@pytest.fixture
def warehouse(tmp_path) -> Warehouse:
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema marts")
        connection.execute("create table marts.mart_budget_scenarios (tenant_id varchar)")
        connection.execute("create table marts.mart_channel_spend_daily (tenant_id varchar)")
        connection.execute(
            "create table marts.mart_budget_objective_choices (tenant_id varchar, "
            "requested_label varchar, shown_label varchar, is_requested_planned boolean)"
        )
        connection.execute("insert into marts.mart_budget_scenarios values ('modelled')")
        connection.execute(
            "insert into marts.mart_channel_spend_daily values ('modelled'), ('unmodelled')"
        )
    return Warehouse(load_settings({"CEREBRO_DUCKDB_PATH": str(path)}))


@pytest.mark.parametrize(
    ("tenant", "opening"),
    [
        ("modelled", "Los planes vienen del modelo de mezcla de medios"),
        ("shopify_only", "Este cliente no tiene gasto en publicidad conectado"),
        ("unmodelled", "El modelo de presupuesto aún no tiene planes para este cliente"),
    ],
)
def test_the_page_says_where_its_plans_come_from_or_why_there_are_none(warehouse, tenant, opening):
    page = next(d for d in load_dashboards() if d.key == "simulador")
    parameters = {"tenant": tenant, "objective": "Valor de clientes (LTV)"}
    (message,) = page.card("estado_simulador").run(warehouse, parameters)["message"]
    assert message.startswith(opening)
