"""The demo's pages never contradict the budget brain: every sentence about a channel's budget
moves it the way the plan for today's budget does (the plan read straight from the ML output,
ml.ml_budget_scenarios at 100 %), the recommended move names as givers and receivers exactly
the channels the plan reduces and increases, and the rendered Resumen ejecutivo page shows
those sentences."""

from __future__ import annotations

import html
import re

import numpy as np
import pytest

from tests.cerebro.dashboards.dashboard_runs import DEMO_TENANTS

pytestmark = pytest.mark.e2e

#: "de Google Ads (-$12.000)", "a Meta Ads (+S/ 1.234,50)", "y TikTok Ads (+$5)" in the move.
MOVED_CHANNEL = re.compile(r"(?:\bde|\ba|\by|,) ([^(),$]+?) \(([+-])")
#: A move smaller than this share of a channel's spend is no move (recommendation.py).
MIN_MOVE_SHARE = 0.05


def _plan_directions(warehouse, tenant: str, objective: str) -> dict[str, int]:
    plan = warehouse.query(
        "select channel, current_spend, optimal_spend, budget_ratio from ml.ml_budget_scenarios "
        "where tenant_id = %(tenant)s and objective = %(objective)s and scenario_kind = 'grid'",
        {"tenant": tenant, "objective": objective},
    )
    plan = plan[np.isclose(plan["budget_ratio"].astype(float), 1.0)]
    change = plan["optimal_spend"].astype(float) - plan["current_spend"].astype(float)
    moved = change.abs() >= MIN_MOVE_SHARE * plan["current_spend"].astype(float)
    return dict(zip(plan["channel"], np.where(moved, np.sign(change), 0).astype(int), strict=True))


def test_every_sentence_about_a_channel_moves_it_the_way_the_plan_does(demo_run):
    warehouse = demo_run.warehouse
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
        plan = _plan_directions(warehouse, tenant, mine["objective"].iloc[0])
        said = insights[insights["tenant_id"] == tenant].set_index("subject")["direction"]
        assert set(said.index) == set(mine["channel_group"]), (tenant, said, mine)
        for row in mine.itertuples():
            # A channel kept for an experiment moves only with the pool of channels the data
            # cannot tell apart; whichever way that is, the sentence says it.
            assert plan[row.channel_group] == row.direction, (row, plan)
            assert said[row.channel_group] == row.direction, (row, said)
            checked += 1
        named = {name.strip(): 1 if sign == "+" else -1 for name, sign in
                 MOVED_CHANNEL.findall(moves[tenant])}  # fmt: skip
        moved = {c: d for c, d in plan.items() if d != 0}
        if named:
            assert named == moved, (moves[tenant], plan)
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
