"""The value of a new customer and LTV-ROAS the pages show hold the demo's truth (issue 52).

Both default demo stores (``cerebro/tenants.yml``: casafacil_cl in CLP, casafacil_pe in PEN)
run through the whole platform, on their shipped seeds and on seeds held out from development.
For each paid channel:

- the value of a new customer (``mart_new_customer_value``, which every page, the plan and the
  CLI read) against ``truth.json``'s ``value_12m``: per signup of the channel, its first 365
  days from the signup, computed by the generator from each signup's latent purchase rate,
  dropout and spend (``generator/value_truth.py``), not from the platform's orders;
- LTV-ROAS as the Resumen computes it (``mart_budget_roas_comparison``: the new customers the
  marketing-mix model attributes to the channel, valued at the value of a new customer, over
  spend) against the true 12-month LTV:CAC: the truth's value per signup times the channel's
  signups, over its spend.

Revenue (net of refunds) is held within 20 % of the truth. The demo is valued on contribution
margin (its costs price every order), and a margin is revenue less costs that are nearly fixed
per order: where the margin is a small share of revenue (TikTok Ads: about 10 % in Chile, 4 %
in Peru) a fifth of the margin is far inside the sampling error of a few hundred customers'
orders (about 50 % of the margin of TikTok's ~500 tagged Peruvian signups). So the margin is
held to the revenue's tolerance in money: within 20 % of the true revenue value (and LTV-ROAS
within 20 % of the true revenue LTV:CAC).

And the decision built on them (decision 0053): the headline budget advice, the margin of new
customers net of the spend that buys them, against the true optimum of the same problem on the
generator's true response curves and 12-month margins (``margin_truth.py``). Where the advice
moves money, no channel moves against the way the true optimum moves it, every channel the true
optimum moves by a quarter of its spend or more moves the same way (near a flat optimum a small
true move is no decision: the advice's 5 % threshold and the model's error decide it) or is
kept where the truth's own difference is smaller than the evidence's resolution (the width of
the 90 % interval of the plan's gain): keeping a channel is the advice abstaining on it, and
what the truth gains by moving that channel alone to its true optimum must be under that width.
The advised plan truly earns money and falls short of the true optimum by less than that width.
Where the advice abstains on the whole plan, the truth's own gain must be smaller than it.

Each test prints its recovered-vs-true table (tenant, seed, channel) before it asserts, so a
run with ``-s`` gives the figures docs/demo.md quotes, whether it passes or fails.

Slow (two years of both stores, about five minutes a seed on two cores): ``make test-slow``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from tests.platform.e2e.margin_truth import true_net_change, true_net_per_day, true_optimum

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

REPO = Path(__file__).resolve().parents[3]
#: A fixed last day, so the figures do not move with the calendar.
END_DATE = "2026-10-31"
TOLERANCE = 0.20
#: A true move of at least this share of a channel's spend must be advised the same way; one
#: under NO_MOVE_SHARE has no direction (the optimum is found on a grid of the budget).
LARGE_MOVE_SHARE, NO_MOVE_SHARE = 0.25, 0.01
#: Per tenant: the shipped seed, and one never looked at while the estimator was built.
SEEDS = {"shipped": {"casafacil_cl": 42, "casafacil_pe": 7},
         "held_out": {"casafacil_cl": 4242, "casafacil_pe": 707}}  # fmt: skip


@pytest.fixture(scope="module", params=sorted(SEEDS))
def default_demo(request, tmp_path_factory, run_demo):
    tenants = yaml.safe_load((REPO / "cerebro" / "tenants.yml").read_text(encoding="utf-8"))
    stores = [t for t in tenants["tenants"] if t["tenant_id"] in SEEDS[request.param]]
    for store in stores:
        store["demo"].update(end_date=END_DATE, seed=SEEDS[request.param][store["tenant_id"]])
    root = tmp_path_factory.mktemp("value_demo")
    tenants_file = root / "tenants.yml"
    tenants_file.write_text(yaml.safe_dump({"tenants": stores}), encoding="utf-8")
    run = run_demo(root, tenants_file, {})
    assert run.exit_code == 0, run.output
    return run


def recovered_vs_true(run, tenant_id: str) -> pd.DataFrame:
    """One row per paid channel: the platform's figures beside the truth's."""
    truth = json.loads((run.data_dir / "demo" / tenant_id / "truth.json").read_text())
    params = {"tenant_id": tenant_id}
    values = run.warehouse.query(
        "select channel_group, value_basis, revenue_value_amount, margin_value_amount "
        "from marts.mart_new_customer_value where tenant_id = %(tenant_id)s",
        params,
    ).set_index("channel_group")
    roas = run.warehouse.query(
        "select channel_group, sum(model_new_customers) as model_new_customers, "
        "sum(model_customer_value_amount) as model_customer_value, sum(spend_amount) as spend "
        "from marts.mart_budget_roas_comparison where tenant_id = %(tenant_id)s group by 1",
        params,
    ).set_index("channel_group")
    # The Resumen's interval of the same figure over the model's window (printed, not held:
    # a 90 % interval misses the truth on about one channel in ten).
    intervals = run.warehouse.query(
        "select channel_group, ltv_roas_low, ltv_roas_high from marts.mart_budget_ltv_roas "
        "where tenant_id = %(tenant_id)s",
        params,
    ).set_index("channel_group")
    # Sums of numeric amounts come back as Decimal objects on PostgreSQL and DuckDB alike.
    values = values.astype({"revenue_value_amount": float, "margin_value_amount": float})
    roas = roas.astype(float)
    rows = []
    for channel, facts in truth["channels"].items():
        if "media" not in facts:
            continue
        true, media = facts["value_12m"], facts["media"]
        value, spent = values.loc[channel], roas.loc[channel]
        per_signup = media["new_customers"] / media["total_spend"]
        per_model = spent["model_new_customers"] / spent["spend"]
        rows.append(
            {
                "channel": channel,
                "revenue": value["revenue_value_amount"],
                "true_revenue": true["revenue"],
                "margin": value["margin_value_amount"],
                "true_margin": true["margin"],
                "ltv_roas_revenue": value["revenue_value_amount"] * per_model,
                "true_ltv_cac_revenue": true["revenue"] * per_signup,
                # The page's figure, on the mart's basis (margin on the demo).
                "ltv_roas": spent["model_customer_value"] / spent["spend"],
                "true_ltv_cac": true[value["value_basis"]] * per_signup,
                "true_ltv_cac_scale": true["revenue"] * per_signup,
                "ltv_roas_low": float(intervals.loc[channel, "ltv_roas_low"]),
                "ltv_roas_high": float(intervals.loc[channel, "ltv_roas_high"]),
            }
        )
    return pd.DataFrame(rows).set_index("channel")


def _seed(request, tenant_id: str) -> str:
    kind = request.node.callspec.params["default_demo"]
    return f"{SEEDS[kind][tenant_id]} ({kind.replace('_', ' ')})"


def _off(figure: pd.Series, truth: pd.Series, scale: pd.Series) -> pd.Series:
    """The miss as a share of the scale the test holds it to, as the percentage printed."""
    return ((figure - truth) / scale.abs() * 100).round(1)


def value_table_to_print(table: pd.DataFrame) -> pd.DataFrame:
    """The value test's figures with each miss on the basis its assertion uses (``_misses``)."""
    return pd.DataFrame(
        {
            "revenue true": table["true_revenue"].round(2),
            "revenue est": table["revenue"].round(2),
            "revenue off %": _off(table["revenue"], table["true_revenue"], table["true_revenue"]),
            "margin true": table["true_margin"].round(2),
            "margin est": table["margin"].round(2),
            "margin off % (of true revenue)": _off(
                table["margin"], table["true_margin"], table["true_revenue"]
            ),
            "LTV-ROAS rev true": table["true_ltv_cac_revenue"].round(2),
            "LTV-ROAS rev est": table["ltv_roas_revenue"].round(2),
            "LTV-ROAS rev off %": _off(
                table["ltv_roas_revenue"],
                table["true_ltv_cac_revenue"],
                table["true_ltv_cac_revenue"],
            ),
            "LTV-ROAS page true": table["true_ltv_cac"].round(2),
            "LTV-ROAS page est": table["ltv_roas"].round(2),
            "LTV-ROAS page off % (of rev)": _off(
                table["ltv_roas"], table["true_ltv_cac"], table["true_ltv_cac_scale"]
            ),
            "page 90 % low": table["ltv_roas_low"].round(2),
            "page 90 % high": table["ltv_roas_high"].round(2),
            "truth inside": table["true_ltv_cac"].between(
                table["ltv_roas_low"], table["ltv_roas_high"]
            ),
        }
    )


def advice_table_to_print(table: pd.DataFrame, plan: dict) -> str:
    """The advice test's figures per channel, and the plan's gain beside the truth's."""
    channels = pd.DataFrame(
        {
            "current": table["current"].round(0),
            "advised": table["advised"].round(0),
            "true optimum": table["true_optimum"].round(0),
            "direction": table["direction"],
            "model direction": table["model_direction"],
            "true move %": (table["true_move"] * 100).round(1),
            "true direction": table["true_direction"],
            "true gain of the channel's move": table["true_gain_of_channel_move"].round(0),
        }
    )
    gain = (
        f"{'abstains (' + str(plan['reason']) + ')' if plan['is_abstained'] else 'moves money'}; "
        f"gain {plan['change']:,.0f} [90 %: {plan['low']:,.0f}, {plan['high']:,.0f}]; "
        f"true gain of the advice {plan['true_gain_of_advice']:,.0f}, "
        f"of the true optimum {plan['true_gain_of_optimum']:,.0f}"
    )
    return f"{channels.to_string()}\n{gain}"


def _print_table(heading: str, body: str) -> None:
    print(f"\n{heading}\n{body}")


def _misses(table: pd.DataFrame) -> list[str]:
    checks = (
        ("revenue", "true_revenue", "true_revenue"),
        ("margin", "true_margin", "true_revenue"),
        ("ltv_roas_revenue", "true_ltv_cac_revenue", "true_ltv_cac_revenue"),
        ("ltv_roas", "true_ltv_cac", "true_ltv_cac_scale"),
    )
    return [
        f"{channel} {figure}: {row[figure]:,.2f} vs true {row[truth]:,.2f}"
        for channel, row in table.iterrows()
        for figure, truth, scale in checks
        if abs(row[figure] - row[truth]) > TOLERANCE * abs(row[scale])
    ]


@pytest.mark.parametrize("tenant_id", ["casafacil_cl", "casafacil_pe"])
def test_value_of_a_new_customer_and_ltv_roas_hold_the_truth(default_demo, tenant_id, request):
    table = recovered_vs_true(default_demo, tenant_id)
    _print_table(
        f"{tenant_id} seed {_seed(request, tenant_id)}: value of a new customer and LTV-ROAS, "
        f"recovered vs true (tolerance {TOLERANCE:.0%})",
        value_table_to_print(table).to_string(),
    )
    assert len(table) == 3
    assert not _misses(table), (_misses(table), table.round(2).to_string())


def margin_advice_vs_truth(run, tenant_id: str) -> tuple[pd.DataFrame, dict]:
    """One row per paid channel: the margin plan's advice beside the true optimum's move; and
    the plan's figures (net change, interval, abstention) beside the truth's gain."""
    truth = json.loads((run.data_dir / "demo" / tenant_id / "truth.json").read_text())
    params = {"tenant_id": tenant_id}
    advice = run.warehouse.query(
        "select channel_group, is_headline_objective, action, direction, model_direction, "
        "period_days, current_spend_amount, recommended_spend_amount "
        "from marts.mart_budget_channel_advice "
        "where tenant_id = %(tenant_id)s and objective = 'net_value'",
        params,
    ).set_index("channel_group")
    move = run.warehouse.query(
        "select is_abstained, abstention_reason, scenario_change, scenario_change_low, "
        "scenario_change_high from marts.mart_budget_recommendation "
        "where tenant_id = %(tenant_id)s and objective = 'net_value'",
        params,
    ).iloc[0]
    days = float(advice["period_days"].iloc[0])
    current = (advice["current_spend_amount"].astype(float) / days).to_dict()
    recommended = (advice["recommended_spend_amount"].astype(float) / days).to_dict()
    best = true_optimum(truth, current)
    rows = []
    for channel in sorted(current):
        moved = best[channel] / current[channel] - 1
        # What the truth gains by moving this channel alone from the advice to its true
        # optimum (the margin net of spend is a sum over channels).
        channel_move = float(
            true_net_per_day(truth, channel, best[channel])
            - true_net_per_day(truth, channel, recommended[channel])
        )
        rows.append(
            {
                "channel": channel,
                "current": current[channel] * days,
                "advised": recommended[channel] * days,
                "true_optimum": best[channel] * days,
                "direction": int(advice.loc[channel, "direction"]),
                "model_direction": int(advice.loc[channel, "model_direction"]),
                "true_move": moved,
                "true_direction": int(np.sign(moved)) if abs(moved) >= NO_MOVE_SHARE else 0,
                "true_gain_of_channel_move": channel_move * days,
            }
        )
    plan = {
        "is_headline": bool(advice["is_headline_objective"].all()),
        "is_abstained": bool(move["is_abstained"]),
        "reason": move["abstention_reason"],
        "change": float(move["scenario_change"]),
        "low": float(move["scenario_change_low"]),
        "high": float(move["scenario_change_high"]),
        "true_gain_of_optimum": true_net_change(truth, current, best) * days,
        "true_gain_of_advice": true_net_change(truth, current, recommended) * days,
    }
    return pd.DataFrame(rows).set_index("channel"), plan


@pytest.mark.parametrize("tenant_id", ["casafacil_cl", "casafacil_pe"])
def test_margin_advice_moves_each_channel_the_way_the_true_optimum_does(
    default_demo, tenant_id, request
):
    table, plan = margin_advice_vs_truth(default_demo, tenant_id)
    _print_table(
        f"{tenant_id} seed {_seed(request, tenant_id)}: margin advice vs the true optimum",
        advice_table_to_print(table, plan),
    )
    shown = (table.round(0).to_string(), plan)
    # The demo is costed: the margin plan is the one the pages lead with.
    assert plan["is_headline"], shown
    resolution = plan["high"] - plan["low"]
    if plan["is_abstained"]:
        assert plan["true_gain_of_optimum"] < resolution, shown
        assert (table["direction"] == 0).all(), shown
    else:
        assert (table["direction"] * table["true_direction"] >= 0).all(), shown
        large = table[table["true_move"].abs() >= LARGE_MOVE_SHARE]
        kept = large[large["direction"] == 0]
        moved = large.drop(kept.index)
        assert (moved["direction"] == moved["true_direction"]).all(), shown
        assert (kept["true_gain_of_channel_move"] < resolution).all(), shown
        assert plan["true_gain_of_advice"] > 0, shown
        assert plan["true_gain_of_optimum"] - plan["true_gain_of_advice"] < resolution, shown
