"""`get_campaign_kpis` and `cerebro kpis campaigns` on a crafted mart_campaign_performance
whose period figures are worked out by hand below (the mart itself has its own oracle:
tests/dbt_project/marts/test_campaign_performance_mart.py).

t_cl, period 2026-05-20 .. 2026-06-10 (touches May and June; April is outside):
- Meta Ads / Influencers: spend 100 000 + 50 000 = 150 000 for 10 + 5 = 15 new customers
  -> CAC 10 000; predicted value (300 000 + 150 000) / (10 + 5) = 30 000; P(alive)
  (4 + 2) / 15 = 0.4; repurchase 1 / (8 + 2) = 0.1; May paid back in 3 months, June not
  yet -> no payback for the period. April's 999 999 spend does not count.
- Meta Ads / Retargeting: 20 000 for 4 -> CAC 5 000, paid back in 2 months.
- Meta Ads / (sin campaña): no spend, 3 new customers, no CAC.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from click.testing import CliRunner

from cerebro.cli.main import main
from cerebro.serving.kpis.campaigns import get_campaign_kpis
from cerebro.settings import load_settings
from cerebro.warehouse import Warehouse

COLUMNS = [
    "tenant_id",
    "channel_group",
    "campaign_key",
    "campaign_name",
    "month_start_date",
    "spend_amount",
    "platform_conversions",
    "platform_conversion_value_amount",
    "first_click_revenue_amount",
    "last_click_revenue_amount",
    "new_customers",
    "predicted_customers",
    "predicted_clv_12m_amount",
    "prob_alive_sum",
    "repurchase_observed_customers",
    "repurchased_customers",
    "months_observed",
    "payback_months",
]
NA = None
ROWS = [
    ("t_cl", "Meta Ads", "meta_ads:1", "Influencers", "2026-04-01", 999999.0, 9.0, 9.0, 9.0,
     9.0, 99, 99, 9e9, 99.0, 99, 99, 3, 1),
    ("t_cl", "Meta Ads", "meta_ads:1", "Influencers", "2026-05-01", 100000.0, 30.0, 400000.0,
     250000.0, 200000.0, 10, 10, 300000.0, 4.0, 8, 1, 2, 3),
    ("t_cl", "Meta Ads", "meta_ads:1", "Influencers", "2026-06-01", 50000.0, 10.0, 100000.0,
     50000.0, 40000.0, 5, 5, 150000.0, 2.0, 2, 0, 1, NA),
    ("t_cl", "Meta Ads", "meta_ads:2", "Retargeting", "2026-06-01", 20000.0, 4.0, 90000.0,
     80000.0, 85000.0, 4, 4, 200000.0, 3.2, 4, 3, 1, 2),
    ("t_cl", "Meta Ads", "(sin campaña)", "(sin campaña)", "2026-05-01", 0.0, NA, NA,
     30000.0, 30000.0, 3, 3, 60000.0, 1.5, 3, 1, NA, NA),
    ("t_pe", "Meta Ads", "meta_ads:1", "Influencers", "2026-05-01", 777.0, 1.0, 1.0, 1.0, 1.0,
     1, 1, 1.0, 1.0, 1, 1, 2, 1),
]  # fmt: skip
PERIOD = ("2026-05-20", "2026-06-10")


@pytest.fixture(scope="module")
def environ(tmp_path_factory) -> dict[str, str]:
    directory = tmp_path_factory.mktemp("campaign_kpis")
    env = {"CEREBRO_WAREHOUSE": "duckdb", "CEREBRO_DUCKDB_PATH": str(directory / "w.duckdb")}
    warehouse = Warehouse(load_settings(env))
    mart = pd.DataFrame(ROWS, columns=COLUMNS)
    mart["month_start_date"] = pd.to_datetime(mart["month_start_date"]).dt.date
    warehouse.replace_table("marts", "mart_campaign_performance", mart)
    warehouse.replace_table(
        "marts", "dim_tenants",
        pd.DataFrame({"tenant_id": ["t_cl", "t_pe"], "currency": ["CLP", "PEN"]}),
    )  # fmt: skip
    warehouse.replace_table(
        "marts", "mart_orders_daily",
        pd.DataFrame({"tenant_id": ["t_cl"], "created_date": [dt.date(2026, 6, 10)]}),
    )  # fmt: skip
    return env


@pytest.fixture(scope="module")
def page(environ) -> dict:
    return get_campaign_kpis("t_cl", *PERIOD, warehouse=Warehouse(load_settings(environ)))


def test_the_period_reads_the_months_it_touches_with_the_hand_worked_figures(page):
    assert page["months"] == "2026-05 → 2026-06"
    rows = {row["campaign"]: row for row in page["campaigns"]}
    assert list(rows) == ["Influencers", "Retargeting", "(sin campaña)"]
    influencers = rows["Influencers"]
    assert influencers["spend"] == 150_000
    assert influencers["new_customers"] == 15
    assert influencers["cac"] == pytest.approx(10_000)
    assert influencers["predicted_clv_12m"] == pytest.approx(30_000)
    assert influencers["prob_alive"] == pytest.approx(0.4)
    assert influencers["repurchase_rate"] == pytest.approx(0.1)
    assert influencers["platform_conversions"] == 40
    assert influencers["first_click_revenue"] == 300_000
    assert influencers["payback_months"] is None
    assert rows["Retargeting"]["cac"] == pytest.approx(5_000)
    assert rows["Retargeting"]["payback_months"] == 2
    assert rows["(sin campaña)"]["cac"] is None
    assert rows["(sin campaña)"]["platform_value"] is None


def test_cli_prints_the_campaigns_in_pesos_and_percents(environ):
    result = CliRunner().invoke(
        main, ["kpis", "campaigns", "--tenant", "t_cl", "--from", PERIOD[0], "--to", PERIOD[1]],
        env=environ,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Canales · Campañas" in result.output
    assert "2026-05 → 2026-06" in result.output
    influencers = next(line for line in result.output.splitlines() if "Influencers" in line)
    assert "$150.000" in influencers and "$10.000" in influencers
    assert "10,0%" in influencers and "40,0%" in influencers
    assert "(sin campaña)" in result.output
    assert "999.999" not in result.output


def test_cli_json_has_one_entry_per_campaign(environ):
    import json

    result = CliRunner().invoke(
        main, ["kpis", "campaigns", "--tenant", "t_cl", "--from", PERIOD[0], "--to", PERIOD[1],
               "--format", "json"], env=environ,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert [row["campaign"] for row in document["campaigns"]] == [
        "Influencers", "Retargeting", "(sin campaña)",
    ]  # fmt: skip


def test_the_canales_card_shows_what_the_function_returns(environ, page):
    """Canales' «Campañas» card (metabase/dashboards/08_canales_marketing.yml) on the same
    crafted mart, period and tenant: the same campaigns with the same figures, in its order."""
    from cerebro.serving.dashboards.spec import SPECS_DIR, load_dashboard

    card = load_dashboard(SPECS_DIR / "08_canales_marketing.yml").card("campanas")
    values = {"tenant": "t_cl", "date_from": PERIOD[0], "date_to": PERIOD[1], "channel": None}
    frame = card.run(Warehouse(load_settings(environ)), values)
    assert list(frame["campaign"]) == [row["campaign"] for row in page["campaigns"]]
    for record, row in zip(frame.to_dict("records"), page["campaigns"], strict=True):
        for column in card.columns:
            shown, returned = record[column], row[column]
            if returned is None:
                assert pd.isna(shown), (row["campaign"], column)
            elif isinstance(returned, str):
                assert shown == returned
            else:
                assert float(shown) == pytest.approx(returned, rel=1e-12), (row["campaign"], column)
