"""The dashboard specs keep no KPI definition (decision 0031): every card reads the marts built
for the pages, never a fact or an entity; a card on a KPI mart only selects, filters, sums and
divides its rows (no ranking, no roll-up of its own roll-up: scores and per-customer histories
are the marts' job); and a comparison card gives its value for one period, the loader adding
the previous one. Read from the spec files, no warehouse needed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from cerebro.serving.dashboards.spec import SPECS_DIR, load_dashboards
from cerebro.settings import DBT_PROJECT_DIR
from tests.support.sql_reads import parse, problems, relations

#: The marts that define the KPIs (dbt_project/models/marts/kpis).
#: The marts that define KPIs: the pages' (marts/kpis), the customers' (marts/customers:
#: health score, life line) and the campaigns' (in marts/ml: it reads the customer brain's
#: predictions for its cohorts; decision 0070).
KPI_MARTS = {
    path.stem
    for folder in ("kpis", "customers")
    for path in (DBT_PROJECT_DIR / "models" / "marts" / folder).glob("*.sql")
} | {"mart_campaign_performance"}
CARDS = [(d, c) for d in load_dashboards() for c in d.cards]
KPI_CARDS = [
    (d, c) for d, c in CARDS if {n.split(".")[1] for n in relations(parse(c.sql))} & KPI_MARTS
]
#: The Retención card as it was before decision 0031: the repurchase rate written again, per
#: customer from the daily orders, with the previous period by hand and the customers' channel
#: from the entity. The checks must find all of it.
REDEFINED_REPURCHASE_RATE = """
with periods as (
    select cast({{date_from}} as date) - 30 as period_start,
        cast({{date_from}} as date) - 1 as period_end
    union all
    select cast({{date_from}} as date), cast({{date_to}} as date)
),
customers as (
    select customer_id from marts.dim_customers
    where tenant_id = {{tenant}} [[and acquisition_channel = {{channel}}]]
),
per_customer as (
    select periods.period_start, orders.customer_id, sum(orders.valid_orders) as valid_orders
    from periods
    inner join marts.mart_customer_orders_daily as orders
        on orders.tenant_id = {{tenant}} and orders.created_date <= periods.period_end
    inner join customers on customers.customer_id = orders.customer_id
    group by periods.period_start, orders.customer_id
)
select periods.period_start,
    cast(sum(case when per_customer.valid_orders >= 2 then 1 else 0 end) as double precision)
        / nullif(count(per_customer.customer_id), 0) as value
from periods
left join per_customer on per_customer.period_start = periods.period_start
group by periods.period_start
"""
SCORED_AGAIN = """
select customer_id, ntile(5) over (order by frequency, customer_id) as f_score
from marts.mart_rfm_customers_as_of({{tenant}}, cast({{date_to}} as date))
"""


def _name(item) -> str:
    dashboard, card = item
    return f"{dashboard.key}.{card.key}"


def test_the_checks_find_a_kpi_redefined_in_a_card():
    found = problems(REDEFINED_REPURCHASE_RATE)
    assert any("reads marts.dim_customers" in p for p in found), found
    assert any("aggregates rows it aggregated itself" in p for p in found), found
    assert any("NTILE" in p for p in problems(SCORED_AGAIN))
    assert problems("select count(*) as value from marts.fct_orders") != []


def test_the_kpi_pages_read_the_kpi_marts():
    pages = {dashboard.key for dashboard, _ in KPI_CARDS}
    assert {"adquisicion", "engagement_conversion", "operaciones_calidad", "retencion_lealtad",
            "segmentacion_marketing"} <= pages  # fmt: skip
    declared = {_name(item) for item in CARDS if item[1].kpi}
    assert declared <= {_name(item) for item in KPI_CARDS}


@pytest.mark.parametrize("item", CARDS, ids=_name)
def test_no_card_reads_a_fact_or_an_entity(item):
    _, card = item
    assert [p for p in problems(card.sql) if p.startswith("reads ")] == []


@pytest.mark.parametrize("item", KPI_CARDS, ids=_name)
def test_cards_on_kpi_marts_only_read_them(item):
    _, card = item
    assert problems(card.sql) == []


def _spec_cards(path: Path) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["cards"]


@pytest.mark.parametrize("path", sorted(SPECS_DIR.glob("*.yml")), ids=lambda p: p.stem)
def test_comparison_cards_give_one_period_and_the_loader_the_previous_one(path):
    for entry in _spec_cards(path):
        if entry.get("comparison") != "previous_period":
            continue
        written = entry["sql"].lower()
        assert "period_start" not in written and not re.search(r"\bunion\b", written), (
            f"{entry['key']}: the previous period is written by hand"
        )
