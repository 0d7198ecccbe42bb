"""The demo's pages never contradict the budget brain: every sentence about a channel's budget
moves it the way the plan for today's budget does (the plan read straight from the ML output,
ml.ml_budget_scenarios at 100 %, or ml.ml_budget_recommendations for the margin plan net of
spend, which the Simulador does not run) unless the evidence cannot back that plan, and then
none moves (docs/decisions/0050, 0053); the recommended move names as givers and receivers
exactly the channels the plan reduces and increases; no move shown anywhere has a gain whose
90 % interval reaches zero or comes from a model with a red light; and the rendered Resumen
ejecutivo page shows those sentences."""

from __future__ import annotations

import html
import re

import numpy as np
import pytest

from tests.cerebro.serving.dashboards.insights_oracle import abstention, load_inputs, with_paybacks
from tests.support.demo_platform import DEMO_TENANTS

pytestmark = pytest.mark.e2e

#: "de Google Ads (-$12.000)", "a Meta Ads (+S/ 1.234,50)", "y TikTok Ads (+$5)" in the move.
MOVED_CHANNEL = re.compile(r"(?:\bde|\ba|\by|,) ([^(),$]+?) \(([+-])")
#: A move smaller than this share of a channel's spend is no move (recommendation.py).
MIN_MOVE_SHARE = 0.05


def _plan_directions(warehouse, tenant: str, objective: str) -> dict[str, int]:
    params = {"tenant": tenant, "objective": objective}
    plan = warehouse.query(
        "select channel, current_spend, optimal_spend, budget_ratio from ml.ml_budget_scenarios "
        "where tenant_id = %(tenant)s and objective = %(objective)s and scenario_kind = 'grid'",
        params,
    )
    plan = plan[np.isclose(plan["budget_ratio"].astype(float), 1.0)]
    if plan.empty:
        plan = warehouse.query(
            "select channel, current_spend, recommended_spend as optimal_spend "
            "from ml.ml_budget_recommendations "
            "where tenant_id = %(tenant)s and objective = %(objective)s",
            params,
        )
    change = plan["optimal_spend"].astype(float) - plan["current_spend"].astype(float)
    moved = change.abs() >= MIN_MOVE_SHARE * plan["current_spend"].astype(float)
    return dict(zip(plan["channel"], np.where(moved, np.sign(change), 0).astype(int), strict=True))


def _abstentions(warehouse) -> dict[tuple[str, str], str | None]:
    """Per tenant and objective, why the advice keeps today's split (oracle of
    insights_oracle.abstention on the ML output and the model lights), or None."""
    inputs = load_inputs(warehouse)
    return {
        key: abstention(with_paybacks(rows, inputs, key[0]), inputs["health"])
        for key, rows in inputs["advice"].groupby(["tenant_id", "objective"])
    }


def test_every_sentence_about_a_channel_moves_it_the_way_the_plan_does(demo_run):
    warehouse = demo_run.warehouse
    abstentions = _abstentions(warehouse)
    advice = warehouse.query(
        "select tenant_id, objective, channel_group, action, direction from "
        "marts.mart_budget_channel_advice where is_headline_objective"
    )
    insights = warehouse.query(
        "select tenant_id, subject, direction, insight_text from marts.mart_executive_insights "
        "where direction is not null"
    )
    moves = warehouse.query(
        "select tenant_id, recommendation_text from marts.mart_budget_recommendation "
        "where is_headline_objective"
    ).set_index("tenant_id")["recommendation_text"]
    checked = 0
    for tenant in DEMO_TENANTS:
        mine = advice[advice["tenant_id"] == tenant]
        assert not mine.empty, tenant
        objective = mine["objective"].iloc[0]
        plan = _plan_directions(warehouse, tenant, objective)
        kept = abstentions[(tenant, objective)] is not None
        said = insights[insights["tenant_id"] == tenant].set_index("subject")["direction"]
        assert set(said.index) == set(mine["channel_group"]), (tenant, said, mine)
        for row in mine.itertuples():
            # A channel kept for an experiment moves only with the pool of channels the data
            # cannot tell apart; whichever way that is, the sentence says it. Where the
            # evidence cannot back the plan, nothing moves.
            expected = 0 if kept else plan[row.channel_group]
            assert expected == row.direction, (row, plan, kept)
            assert said[row.channel_group] == row.direction, (row, said)
            checked += 1
        # The move named, as a move or as the plan the data cannot back.
        named = {name.strip(): 1 if sign == "+" else -1 for name, sign in
                 MOVED_CHANNEL.findall(moves[tenant])}  # fmt: skip
        moved = {c: d for c, d in plan.items() if d != 0}
        if named:
            assert named == moved, (moves[tenant], plan)
        assert moves[tenant].startswith("Mantener el reparto actual") == (kept or not moved)
    assert checked >= 2 * 3


def test_the_executive_page_shows_the_advice_sentences(demo_run):
    advice = demo_run.warehouse.query(
        "select tenant_id, advice_text from marts.mart_budget_channel_advice "
        "where is_headline_objective"
    )
    for tenant in DEMO_TENANTS:
        page = (demo_run.data_dir / "dashboards" / tenant / "resumen_ejecutivo.html").read_text(
            encoding="utf-8"
        )
        shown = html.unescape(page)
        for text in advice.loc[advice["tenant_id"] == tenant, "advice_text"]:
            assert text in shown, text


def test_no_move_shown_anywhere_has_a_gain_the_evidence_cannot_back(demo_run):
    """Every move the pages advise — a channel's line, the plan's sentence, a finding — comes
    from a plan whose gain's 90 % interval (ml.ml_budget_recommendations) lies above zero and
    whose models' lights are not red; a plan that moves money without that says so. The
    Simulador's headline cards write no figure whose interval (ml.ml_budget_scenarios) reaches
    zero."""
    warehouse = demo_run.warehouse
    inputs = load_inputs(warehouse)
    abstentions = _abstentions(warehouse)
    plans = inputs["advice"].groupby(["tenant_id", "objective"])["scenario_change_low"].first()
    advice = warehouse.query(
        "select tenant_id, objective, channel_group, direction, advice_text "
        "from marts.mart_budget_channel_advice"
    )
    moving = advice[advice["direction"] != 0]
    for row in moving.itertuples():
        assert plans[(row.tenant_id, row.objective)] > 0, row
        assert abstentions[(row.tenant_id, row.objective)] is None, row
    recommendations = warehouse.query(
        "select tenant_id, objective, recommendation_text from marts.mart_budget_recommendation"
    )
    for row in recommendations.itertuples():
        reason = abstentions[(row.tenant_id, row.objective)]
        if row.recommendation_text.startswith("Mover "):
            assert reason is None and plans[(row.tenant_id, row.objective)] > 0, row
        if reason is not None:
            assert row.recommendation_text.startswith("Mantener el reparto actual: "), row
            assert "los datos no distinguen" in row.recommendation_text, row
            assert "Para decidirlo, apagar " in row.recommendation_text, row
            lines = advice[(advice["tenant_id"] == row.tenant_id)
                           & (advice["objective"] == row.objective)]  # fmt: skip
            assert not lines["advice_text"].str.startswith(("Aumentar", "Reducir", "Llevar")).any()
    findings = warehouse.query(
        "select tenant_id, insight_text, direction from marts.mart_executive_insights"
    )
    headline = advice.merge(
        warehouse.query(
            "select distinct tenant_id, objective from marts.mart_budget_channel_advice "
            "where is_headline_objective"
        )
    )
    for tenant, rows in findings.groupby("tenant_id"):
        objective = headline.loc[headline["tenant_id"] == tenant, "objective"].iloc[0]
        if abstentions[(tenant, objective)] is not None or plans[(tenant, objective)] <= 0:
            assert (rows["direction"].dropna() == 0).all(), rows
            assert not rows["insight_text"].str.startswith(("Aumentar", "Reducir", "Mover")).any()
    scenarios = warehouse.query(
        "select tenant_id, objective, scenario, min(scenario_change_low) as low, "
        "min(scenario_change_high) as high from ml.ml_budget_scenarios "
        "where scenario_kind = 'grid' group by 1, 2, 3"
    )
    cards = warehouse.query(
        "select tenant_id, objective, scenario_name as scenario, headline_text "
        "from marts.mart_budget_scenario_summaries where scenario_kind = 'grid'"
    ).merge(scenarios)
    reaching_zero = cards[(cards["low"] <= 0) & (cards["high"] >= 0)]
    assert not reaching_zero.empty
    assert reaching_zero["headline_text"].str.startswith("Sin ").all(), reaching_zero
