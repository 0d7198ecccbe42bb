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

Slow (two years of both stores, about five minutes a seed on two cores): ``make test-slow``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

REPO = Path(__file__).resolve().parents[3]
#: A fixed last day, so the figures do not move with the calendar.
END_DATE = "2026-10-31"
TOLERANCE = 0.20
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
            }
        )
    return pd.DataFrame(rows).set_index("channel")


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
def test_value_of_a_new_customer_and_ltv_roas_hold_the_truth(default_demo, tenant_id):
    table = recovered_vs_true(default_demo, tenant_id)
    assert len(table) == 3
    assert not _misses(table), (_misses(table), table.round(2).to_string())
