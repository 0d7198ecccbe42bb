"""Crafted outputs of the budget brain for the evidence-gating tests: two tenants whose plans
for today's budget move money, each with the interval and the model diagnostics chosen so that
one plan is backed by its evidence and two are not, and a set of saved scenarios and budget
levels whose net results rank differently from their gross changes.

- test_cl, objective ltv (the headline: the tenant has customer values): the plan moves
  $1.066.219 from Meta Ads to Google Ads; its gain's 90 % interval, -$155.029 to $880.884,
  reaches zero.
- test_cl, objective revenue: the same move, gain +$400.000 with the interval $120.000 to
  $700.000, and every check of the revenue model green.
- test_pe, objective revenue (its headline: no customer values): a move whose interval is
  above zero, on a model whose in-sample daily MAPE is 61 %.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

CUTOFF = dt.datetime(2026, 11, 22)
PREDICTED_AT = dt.datetime(2026, 11, 23, 6, 0)
PERIOD_DAYS = 30
#: Today's spend over the period per tenant and channel.
CURRENT = {
    "test_cl": {"Google Ads": 1_865_340.0, "Meta Ads": 3_000_000.0, "TikTok Ads": 500_000.0},
    "test_pe": {"Google Ads": 10_000.0, "Meta Ads": 8_000.0},
}
#: The value of a new customer per channel (test_cl's ltv plan); test_pe has none.
CUSTOMER_VALUES = {"Google Ads": 30_373.0, "Meta Ads": 20_000.0, "TikTok Ads": 25_000.0}
#: Per tenant and objective: the target, the plan's gain with its interval, and per channel
#: the action, the recommended spend and the expected change with its interval.
PLANS = {
    ("test_cl", "ltv"): ("new_customers", (382_139.0, -155_029.0, 880_884.0), {
        "Google Ads": ("aumentar", 2_931_559.0, (900_000.0, 200_000.0, 1_600_000.0)),
        "Meta Ads": ("reducir", 1_933_781.0, (-517_861.0, -900_000.0, -150_000.0)),
        "TikTok Ads": ("experimentar", 500_000.0, (0.0, 0.0, 0.0)),
    }),
    ("test_cl", "revenue"): ("revenue", (400_000.0, 120_000.0, 700_000.0), {
        "Google Ads": ("aumentar", 2_931_559.0, (700_000.0, 300_000.0, 1_100_000.0)),
        "Meta Ads": ("reducir", 1_933_781.0, (-300_000.0, -500_000.0, -100_000.0)),
        "TikTok Ads": ("experimentar", 500_000.0, (0.0, 0.0, 0.0)),
    }),
    ("test_pe", "revenue"): ("revenue", (800.0, 300.0, 1_300.0), {
        "Google Ads": ("aumentar", 13_000.0, (2_000.0, 1_000.0, 3_000.0)),
        "Meta Ads": ("reducir", 5_000.0, (-1_200.0, -1_800.0, -600.0)),
    }),
}  # fmt: skip
#: The go-dark and geo tests per channel: days, geo days, feasible.
EXPERIMENTS = {"Google Ads": (21, 84, True), "Meta Ads": (35, 112, False),
               "TikTok Ads": (28, 112, True)}  # fmt: skip
#: Daily MAPE in sample and on the holdout per tenant and model target.
MAPES = {
    ("test_cl", "revenue"): (0.20, 0.25),
    ("test_cl", "new_customers"): (0.30, 0.30),
    ("test_pe", "revenue"): (0.61, 0.30),
}
#: Saved scenarios and budget levels per tenant and objective: name, kind, budget ratio, the
#: plan's change with its interval, and per channel the change of its objective.
SCENARIOS = {
    ("test_cl", "revenue"): [
        ("Presupuesto actual, mejor repartido", "named", 1.0, (400_895.0, 100_000.0, 700_000.0)),
        ("+20% para CyberDay", "named", 1.2, (1_141_710.0, 600_000.0, 1_700_000.0)),
        ("Recorte de 30%", "named", 0.7, (-600_000.0, -900_000.0, -300_000.0)),
        ("Presupuesto 100%", "grid", 1.0, (400_000.0, 120_000.0, 700_000.0)),
        ("Presupuesto 150%", "grid", 1.5, (2_018_985.0, 1_200_000.0, 2_800_000.0)),
    ],
    ("test_cl", "ltv"): [
        ("Presupuesto 100%", "grid", 1.0, (382_139.0, -155_029.0, 880_884.0)),
    ],
    ("test_cl", "new_customers"): [
        ("Presupuesto 100%", "grid", 1.0, (1.5, -0.5, 3.5)),
        ("Presupuesto 150%", "grid", 1.5, (7.5, 4.0, 11.0)),
    ],
}
#: The new-customers levels' extra customers per channel (they sum to the plan's change).
CUSTOMERS_BY_CHANNEL = {
    "Presupuesto 100%": {"Google Ads": 3.0, "Meta Ads": -1.5, "TikTok Ads": 0.0},
    "Presupuesto 150%": {"Google Ads": 6.0, "Meta Ads": 1.0, "TikTok Ads": 0.5},
}
STAMP = {"model_version": "crafted", "cutoff_date": CUTOFF, "predicted_at": PREDICTED_AT}


def recommendations() -> pd.DataFrame:
    rows = []
    for (tenant, objective), (target, plan, channels) in PLANS.items():
        moved = sum(max(spend - CURRENT[tenant][c], 0.0) for c, (_, spend, _) in channels.items())
        for channel, (action, spend, change) in channels.items():
            days, geo_days, feasible = EXPERIMENTS[channel]
            worth = CUSTOMER_VALUES[channel] if objective == "ltv" else 1.0
            rows.append({
                "tenant_id": tenant, "target": target, "objective": objective,
                "period_days": PERIOD_DAYS, "channel": channel, "action": action,
                "identified": action != "experimentar", "calibrated": False,
                "identification_issues": "unranked" if action == "experimentar" else "",
                "rank_probability": 0.5, "value_per_unit": worth,
                "current_spend": CURRENT[tenant][channel], "recommended_spend": spend,
                "expected_change": change[0], "expected_change_low": change[1],
                "expected_change_high": change[2],
                "return_on_spend": 2.0, "return_on_spend_low": 1.0, "return_on_spend_high": 3.0,
                "marginal_return": 1.5, "marginal_return_low": 0.5, "marginal_return_high": 2.5,
                "experiment_days": float(days), "experiment_geo_days": float(geo_days),
                "experiment_geo_share": 0.5, "experiment_expected_lift": 1.0,
                "experiment_spend_paused": 1.0, "experiment_relative_error": 0.25,
                "experiment_feasible": feasible,
                "total_budget": sum(CURRENT[tenant].values()),
                "scenario_change": plan[0], "scenario_change_low": plan[1],
                "scenario_change_high": plan[2], "moved_amount": moved, **STAMP,
            })  # fmt: skip
    return pd.DataFrame(rows)


def scenarios() -> pd.DataFrame:
    rows = []
    for (tenant, objective), plans in SCENARIOS.items():
        target = "revenue" if objective == "revenue" else "new_customers"
        current = CURRENT[tenant]
        for name, kind, ratio, change in plans:
            per_channel = CUSTOMERS_BY_CHANNEL.get(name) if objective == "new_customers" else None
            for channel, spend in current.items():
                # Every channel scaled with the budget; the plan's change split by spend share
                # unless given per channel.
                share = spend / sum(current.values())
                own = per_channel[channel] if per_channel else change[0] * share
                rows.append({
                    "tenant_id": tenant, "target": target, "objective": objective,
                    "scenario": name, "scenario_kind": kind, "budget_ratio": ratio,
                    "period_days": PERIOD_DAYS, "total_budget": ratio * sum(current.values()),
                    "channel": channel, "current_spend": spend, "optimal_spend": ratio * spend,
                    "lower_bound": 0.0, "upper_bound": 3.0 * spend, "bound_rule": "default",
                    "identified": True, "expected_contribution": own,
                    "expected_revenue_change": own, "expected_revenue_change_low": own,
                    "expected_revenue_change_high": own, "scenario_change": change[0],
                    "scenario_change_low": change[1], "scenario_change_high": change[2],
                    "marginal_return": 1.0, "kkt_violation": 0.0, **STAMP,
                })  # fmt: skip
    return pd.DataFrame(rows)


def diagnostics() -> pd.DataFrame:
    rows = []
    for (tenant, target), (in_sample, holdout) in MAPES.items():
        metrics = {"in_sample_mape": in_sample, "holdout_mape": holdout, "holdout_periods": 56.0,
                   "period_days": 1.0, "interval": 0.9}  # fmt: skip
        for metric, value in metrics.items():
            rows.append({"tenant_id": tenant, "target": target, "metric": metric,
                         "channel": None, "value": value, "text": None, **STAMP})  # fmt: skip
    # Text columns even when every value is missing.
    return pd.DataFrame(rows).astype({"channel": "string", "text": "string"})


def backtest() -> pd.DataFrame:
    """One held-out day per model, predicted exactly: the total's error is 0 (green)."""
    return pd.DataFrame(
        [{"tenant_id": tenant, "target": target, "backtest_date": CUTOFF, "actual": 100.0,
          "predicted": 100.0, "trained_until": CUTOFF, **STAMP}
         for tenant, target in MAPES]
    )  # fmt: skip
