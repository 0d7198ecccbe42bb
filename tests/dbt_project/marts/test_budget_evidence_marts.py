"""Advice gated by its own evidence, and plans ranked by their net result, on crafted outputs
of the budget brain (budget_evidence_inputs) built by the real dbt project on DuckDB: the
plan's sentence, every channel's line, the executive findings and the Simulador's cards.

Oracles, computed here from the crafted inputs and not read from the marts: the rule of
docs/decisions/0050 (a plan that moves money is advised only when the 90 % interval of its
gain lies above zero and no model it reads has a red light, judged with the dbt var
model_health_thresholds), and a plan's net result, its change valued in money less its extra
spend (new customers at each channel's value of a new customer). Money is written with
cerebro.formatting, the pages' own formatter, tested on its own."""

from __future__ import annotations

import pytest
import yaml

from cerebro.formatting import format_currency, format_percent
from cerebro.serving.dashboards.spec import load_dashboards
from cerebro.settings import DBT_PROJECT_DIR
from tests.dbt_project.marts import budget_evidence_inputs as crafted
from tests.dbt_project.marts.crafted_dbt import (
    build_models,
    crafted_warehouse,
    land_empty_streams,
    warehouse_environ,
    write_tenants,
)

SELECTION = ("+mart_budget_recommendation", "+mart_budget_scenario_summaries",
             "+mart_executive_insights", "mart_budget_objective_choices")  # fmt: skip
#: A channel moved by less than this share of its spend is not moved (recommendation.py).
MIN_MOVE_SHARE = 0.05
MOVING_WORDS = ("Aumentar", "Reducir", "Mover", "Llevar")


def money(value: float) -> str:
    return format_currency(value, "CLP")


def signed(value: float) -> str:
    return ("+" if round(value) > 0 else "") + money(value)


def _daily_mape_red_above() -> float:
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    return float(project["vars"]["model_health_thresholds"]["daily_mape"]["yellow"])


def expected_abstentions() -> dict[tuple[str, str], str | None]:
    """Per tenant and objective: why the advice keeps today's split ('salud', 'intervalo'),
    or None where it moves money or the plan moves none."""
    red_above = _daily_mape_red_above()
    expected = {}
    for (tenant, objective), (target, plan, channels) in crafted.PLANS.items():
        current = crafted.CURRENT[tenant]
        moves = any(
            abs(spend - current[channel]) >= MIN_MOVE_SHARE * current[channel]
            for channel, (_, spend, _) in channels.items()
        )
        red = any(mape > red_above for mape in crafted.MAPES[(tenant, target)])
        if not moves:
            expected[(tenant, objective)] = None
        elif red:
            expected[(tenant, objective)] = "salud"
        else:
            expected[(tenant, objective)] = None if plan[1] > 0 else "intervalo"
    return expected


def expected_nets(tenant: str, objective: str) -> dict[str, float]:
    """Each crafted plan's net result: its change in money less its extra spend."""
    current_total = sum(crafted.CURRENT[tenant].values())
    nets = {}
    for name, _kind, ratio, change in crafted.SCENARIOS[(tenant, objective)]:
        if objective == "new_customers":
            value = sum(
                customers * crafted.CUSTOMER_VALUES[channel]
                for channel, customers in crafted.CUSTOMERS_BY_CHANNEL[name].items()
            )
        else:
            value = change[0]
        nets[name] = value - (ratio - 1.0) * current_total
    return nets


@pytest.fixture(scope="module")
def evidence_warehouse(request, tmp_path_factory):
    directory = tmp_path_factory.mktemp("budget_evidence")
    environ = warehouse_environ(request, "duckdb", directory)
    land_empty_streams(environ, directory)
    warehouse = crafted_warehouse(environ)
    write_tenants(warehouse, {"test_cl": "America/Santiago", "test_pe": "America/Lima"})
    for table, frame in {
        "ml_budget_recommendations": crafted.recommendations(),
        "ml_budget_scenarios": crafted.scenarios(),
        "ml_mmm_diagnostics": crafted.diagnostics(),
        "ml_mmm_backtest": crafted.backtest(),
    }.items():
        warehouse.replace_table("ml", table, frame)
    build_models(environ, directory, *SELECTION)
    return warehouse


def _advice(warehouse, tenant, objective):
    return warehouse.query(
        "select * from marts.mart_budget_channel_advice "
        "where tenant_id = %(tenant)s and objective = %(objective)s order by channel_group",
        {"tenant": tenant, "objective": objective},
    ).set_index("channel_group")


def _recommendation(warehouse, tenant, objective):
    return warehouse.query(
        "select * from marts.mart_budget_recommendation "
        "where tenant_id = %(tenant)s and objective = %(objective)s",
        {"tenant": tenant, "objective": objective},
    ).iloc[0]


def _findings(warehouse, tenant):
    return warehouse.query(
        "select insight_key, insight_text, direction from marts.mart_executive_insights "
        "where tenant_id = %(tenant)s",
        {"tenant": tenant},
    )


def _assert_nothing_moves(warehouse, tenant, objective):
    advice = _advice(warehouse, tenant, objective)
    assert (advice["direction"] == 0).all() and advice["is_abstained"].all(), advice
    for channel, row in advice.iterrows():
        assert row["action"] in ("mantener", "experimentar"), (channel, row["action"])
        assert row["advice_text"].startswith(f"Mantener {channel} en "), row["advice_text"]
        assert not any(word in row["advice_text"] for word in MOVING_WORDS), row["advice_text"]
    plan = _recommendation(warehouse, tenant, objective)
    assert plan["is_abstained"] and plan["moved_amount"] == 0
    assert plan["recommendation_text"].startswith("Mantener el reparto actual: "), plan
    return advice, plan


def _assert_findings_keep_todays_split(warehouse, tenant, plan_text):
    findings = _findings(warehouse, tenant)
    assert (findings["direction"].dropna() == 0).all(), findings
    by_key = findings.set_index("insight_key")["insight_text"]
    assert by_key["movimiento_presupuesto"] == plan_text
    for text in by_key:
        assert not text.startswith(MOVING_WORDS), text


def test_the_oracle_sees_one_backed_plan_and_two_that_are_not():
    assert expected_abstentions() == {
        ("test_cl", "ltv"): "intervalo",
        ("test_cl", "revenue"): None,
        ("test_pe", "revenue"): "salud",
    }


def test_a_plan_whose_gain_interval_reaches_zero_keeps_todays_split_everywhere(
    evidence_warehouse,
):
    assert expected_abstentions()[("test_cl", "ltv")] == "intervalo"
    advice, plan = _assert_nothing_moves(evidence_warehouse, "test_cl", "ltv")
    assert set(advice["abstention_reason"]) == {"intervalo"}
    # The plan the data cannot back is named, with what its interval means.
    _target, (change, low, high), channels = crafted.PLANS[("test_cl", "ltv")]
    moved = channels["Google Ads"][1] - crafted.CURRENT["test_cl"]["Google Ads"]
    assert plan["recommendation_text"].startswith(
        f"Mantener el reparto actual: los datos no distinguen si mover {money(moved)} de "
        f"Meta Ads ({signed(-moved)}) a Google Ads ({signed(moved)}) en los próximos 30 días "
        "mejora el valor de los clientes (LTV): el modelo calcula "
        f"{signed(change)} en valor de clientes esperado (LTV a 12 meses), y con 90% de "
        f"probabilidad el cambio queda entre {money(low)} y {money(high)}, lo que incluye no "
        "ganar nada."
    ), plan["recommendation_text"]
    # The experiment that would decide: on the channel the plan moves most.
    assert (
        " Para decidirlo, apagar Google Ads 21 días (o en la mitad de las regiones durante 84 "
        "días) mediría su efecto con un error de ±25%." in plan["recommendation_text"]
    )
    assert advice.loc["Google Ads", "advice_text"] == (
        f"Mantener Google Ads en {money(1_865_340)} en los próximos 30 días: los datos no "
        f"distinguen si llevarlo a {money(2_931_559)} mejora el valor de los clientes (LTV): "
        "con 90% de probabilidad, según el modelo, el plan completo los cambia entre "
        f"{money(low)} y {money(high)}, lo que incluye no ganar nada. Apagarlo 21 días (o en "
        "la mitad de las regiones durante 84 días) mediría su efecto con un error de ±25%."
    )
    # ltv is test_cl's headline objective: its findings keep today's split too.
    _assert_findings_keep_todays_split(evidence_warehouse, "test_cl", plan["recommendation_text"])


def test_a_red_model_keeps_todays_split_though_its_interval_is_above_zero(evidence_warehouse):
    assert expected_abstentions()[("test_pe", "revenue")] == "salud"
    advice, plan = _assert_nothing_moves(evidence_warehouse, "test_pe", "revenue")
    assert set(advice["abstention_reason"]) == {"salud"}
    light = (
        "el modelo tiene luz roja en Salud de datos («Mezcla de medios: ingresos», Error "
        f"diario de ajuste (MAPE) {format_percent(crafted.MAPES[('test_pe', 'revenue')][0])})"
    )
    assert plan["recommendation_text"].startswith(f"Mantener el reparto actual: {light}, así que")
    assert light in advice.loc["Google Ads", "advice_text"]
    _assert_findings_keep_todays_split(evidence_warehouse, "test_pe", plan["recommendation_text"])


def test_a_move_whose_interval_lies_above_zero_is_still_advised(evidence_warehouse):
    assert expected_abstentions()[("test_cl", "revenue")] is None
    advice = _advice(evidence_warehouse, "test_cl", "revenue")
    assert not advice["is_abstained"].any()
    assert advice["direction"].to_dict() == {"Google Ads": 1, "Meta Ads": -1, "TikTok Ads": 0}
    _, (change, low, high), channels = crafted.PLANS[("test_cl", "revenue")]
    gain, gain_low, gain_high = channels["Google Ads"][2]
    assert advice.loc["Google Ads", "advice_text"] == (
        f"Aumentar Google Ads de {money(1_865_340)} a {money(2_931_559)} en los próximos 30 "
        f"días: {signed(gain)} en ingresos esperados (con 90% de probabilidad, entre "
        f"{money(gain_low)} y {money(gain_high)} según el modelo)."
    )
    plan = _recommendation(evidence_warehouse, "test_cl", "revenue")
    moved = 2_931_559 - 1_865_340
    assert not plan["is_abstained"] and plan["moved_amount"] == pytest.approx(moved)
    assert plan["recommendation_text"].startswith(
        f"Mover {money(moved)} de Meta Ads ({signed(-moved)}) a Google Ads ({signed(moved)}) en "
        f"los próximos 30 días: {signed(change)} en ingresos esperados (con 90% de "
        f"probabilidad, entre {money(low)} y {money(high)} según el modelo)."
    )


@pytest.mark.parametrize("objective", ["revenue", "new_customers"])
def test_plans_rank_by_their_net_result_and_say_it(evidence_warehouse, objective):
    summaries = evidence_warehouse.query(
        "select * from marts.mart_budget_scenario_summaries "
        "where tenant_id = 'test_cl' and objective = %(objective)s",
        {"objective": objective},
    )
    nets = expected_nets("test_cl", objective)
    for kind, plans in summaries.groupby("scenario_kind"):
        by_rank = plans.sort_values("net_rank")
        expected = sorted(by_rank["scenario_name"], key=lambda name: -nets[name])
        assert by_rank["scenario_name"].tolist() == expected, kind
        for row in by_rank.itertuples():
            assert row.net_change_amount == pytest.approx(nets[row.scenario_name], abs=1e-6)
            assert row.net_text.startswith(f"{signed(nets[row.scenario_name])} netos: "), row
    if objective == "revenue":
        # By gross change the CyberDay plan led and the cut came last.
        assert expected == ["Recorte de 30%", "Presupuesto actual, mejor repartido",
                            "+20% para CyberDay"]  # fmt: skip


def test_the_simulador_lists_saved_scenarios_from_the_best_net_result(evidence_warehouse):
    card = next(d for d in load_dashboards() if d.key == "simulador").card("escenarios_guardados")
    frame = card.run(evidence_warehouse, {"tenant": "test_cl", "objective": "Ingresos"})
    nets = expected_nets("test_cl", "revenue")
    named = [name for name, kind, *_ in crafted.SCENARIOS[("test_cl", "revenue")]
             if kind == "named"]  # fmt: skip
    assert frame["scenario_name"].tolist() == sorted(named, key=lambda name: -nets[name])
    assert "net_text" in frame.columns


@pytest.mark.parametrize(
    ("card_key", "percent", "expected"),
    [
        # The interval of the customer-value plan reaches zero: no figure.
        ("cambio_ltv", 100, "Sin diferencia clara: con 90% de probabilidad, entre "
         f"{money(-155_029)} y {money(880_884)}"),
        ("cambio_clientes_nuevos", 100, "Sin diferencia clara: con 90% de probabilidad, "
         "entre -0,5 y 3,5"),
        ("cambio_ingresos", 100, f"{signed(400_000)} en ingresos esperados"),
        # Half as much again: the change and what is left after paying for it.
        ("cambio_ingresos", 150, f"{signed(2_018_985)} en ingresos esperados; neto de la "
         f"inversión adicional: {signed(2_018_985 - 0.5 * 5_365_340)}"),
    ],
)  # fmt: skip
def test_simulador_headline_cards_show_no_figure_the_evidence_cannot_back(
    evidence_warehouse, card_key, percent, expected
):
    card = next(d for d in load_dashboards() if d.key == "simulador").card(card_key)
    frame = card.run(evidence_warehouse, {"tenant": "test_cl", "budget_percent": percent})
    assert frame["value"].tolist() == [expected]
