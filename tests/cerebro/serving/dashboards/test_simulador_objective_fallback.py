"""The Simulador's objective filter defaults to customer value (LTV); a store whose new
customers could not all be valued has no plans for it, and every card of the plan was empty.
Its cards now show the plans of the store's headline objective, and the first card says so."""

from __future__ import annotations

import duckdb
import pytest

from cerebro.serving.dashboards.spec import load_dashboards
from cerebro.settings import load_settings
from cerebro.warehouse import Warehouse

LTV, REVENUE = "Valor de clientes (LTV)", "Ingresos"


@pytest.fixture
def warehouse(tmp_path) -> Warehouse:
    """Two stores' plans at today's budget: `valued` has both objectives, `unvalued` only
    revenue; the choices as `mart_budget_objective_choices` builds them (its dbt unit test)."""
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema marts")
        connection.execute(
            "create table marts.mart_budget_scenarios (tenant_id varchar, objective_label "
            "varchar, scenario_kind varchar, budget_percent integer, channel_group varchar, "
            "proportional_spend_amount double, optimal_spend_amount double, "
            "current_spend_amount double)"
        )
        connection.execute(
            "insert into marts.mart_budget_scenarios values "
            f"('valued', '{LTV}', 'grid', 100, 'Google Ads', 100, 150, 100), "
            f"('valued', '{REVENUE}', 'grid', 100, 'Google Ads', 100, 120, 100), "
            f"('unvalued', '{REVENUE}', 'grid', 100, 'Google Ads', 200, 260, 200), "
            f"('unvalued', '{REVENUE}', 'grid', 100, 'Meta Ads', 300, 240, 300)"
        )
        connection.execute("create table marts.mart_channel_spend_daily (tenant_id varchar)")
        connection.execute("insert into marts.mart_channel_spend_daily values ('unvalued')")
        connection.execute(
            "create table marts.mart_budget_objective_choices (tenant_id varchar, "
            "requested_label varchar, shown_label varchar, is_requested_planned boolean)"
        )
        connection.execute(
            "insert into marts.mart_budget_objective_choices values "
            f"('valued', '{LTV}', '{LTV}', true), ('valued', '{REVENUE}', '{REVENUE}', true), "
            f"('unvalued', '{LTV}', '{REVENUE}', false), "
            f"('unvalued', '{REVENUE}', '{REVENUE}', true)"
        )
    return Warehouse(load_settings({"CEREBRO_DUCKDB_PATH": str(path)}))


@pytest.fixture
def simulador():
    return next(d for d in load_dashboards() if d.key == "simulador")


def _default_objective(page) -> str:
    return next(f.default for f in page.filters if f.key == "objective")


def _plan(page, warehouse, tenant: str, objective: str):
    parameters = {"tenant": tenant, "budget_percent": 100, "objective": objective}
    return page.card("reparto_optimo").run(warehouse, parameters)


def test_a_store_without_plans_for_the_default_objective_shows_its_headline_plan(
    warehouse, simulador
):
    assert _default_objective(simulador) == LTV
    plan = _plan(simulador, warehouse, "unvalued", LTV)
    assert plan.to_dict("records") == [
        {"channel": "Google Ads", "proportional_spend": 200.0, "optimal_spend": 260.0,
         "current_spend": 200.0},
        {"channel": "Meta Ads", "proportional_spend": 300.0, "optimal_spend": 240.0,
         "current_spend": 300.0},
    ]  # fmt: skip
    parameters = {"tenant": "unvalued", "objective": LTV}
    (message,) = simulador.card("estado_simulador").run(warehouse, parameters)["message"]
    assert message.endswith(
        f"Este cliente no tiene planes para «{LTV}»: la página muestra los de «{REVENUE}», "
        "su objetivo principal."
    )


def test_a_store_with_plans_for_the_objective_asked_shows_them_and_no_substitute(
    warehouse, simulador
):
    assert _plan(simulador, warehouse, "valued", LTV)["optimal_spend"].tolist() == [150.0]
    assert _plan(simulador, warehouse, "valued", REVENUE)["optimal_spend"].tolist() == [120.0]
    parameters = {"tenant": "valued", "objective": LTV}
    (message,) = simulador.card("estado_simulador").run(warehouse, parameters)["message"]
    assert "no tiene planes para" not in message
