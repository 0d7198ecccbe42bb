"""The customer health score, the customer page and their probabilities against independent
implementations, per warehouse and tenant: the weekly scores and get_customer_health_kpis
against the pandas oracle (kpi_oracle_customer_health), P(alive) over a customer's life
against lifetimes, the 30-day purchase probability against a simulation, and the life line
against the raw orders."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from cerebro.serving.dashboards.spec import load_dashboards
from cerebro.serving.kpis import get_customer_health_kpis, get_customer_life_line
from cerebro.serving.kpis.customer_life_line import UnknownCustomerError
from tests.cerebro.serving.kpis.kpi_oracle_customer_health import (
    customer_health_kpis,
    health_weeks,
    model_run,
    prob_alive,
    prob_purchase_within,
)


@pytest.fixture(scope="session")
def oracle_weeks():
    """The oracle's weekly scores per warehouse and tenant, computed once."""
    computed = {}

    def weeks(oracle_demo, tenant):
        key = (oracle_demo.kind, tenant)
        if key not in computed:
            computed[key] = health_weeks(oracle_demo.shops[tenant], oracle_demo.warehouse)
        return computed[key]

    return weeks


def test_weekly_health_scores_match_the_oracle(oracle_demo, tenant, oracle_weeks):
    expected = oracle_weeks(oracle_demo, tenant)
    actual = oracle_demo.warehouse.query(
        "select customer_id, as_of_date, prob_alive, health_score, health_band, is_band_drop "
        "from marts.mart_customer_health_weekly where tenant_id = %(tenant_id)s",
        {"tenant_id": tenant},
    )
    actual["as_of_date"] = [pd.Timestamp(d).date() for d in actual["as_of_date"]]
    merged = actual.merge(
        expected, on=["customer_id", "as_of_date"], how="outer", suffixes=("", "_oracle"),
        indicator=True,
    )  # fmt: skip
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"].head()
    assert len(merged) > 1000  # every customer at every week end, not a handful
    np.testing.assert_allclose(merged["prob_alive"], merged["prob_alive_oracle"], rtol=1e-9)
    np.testing.assert_allclose(merged["health_score"], merged["health_score_oracle"], rtol=1e-9)
    assert (merged["health_band"] == merged["health_band_oracle"]).all()
    assert (merged["is_band_drop"].astype(bool) == merged["is_band_drop_oracle"]).all()
    # The score separates customers: every band is used and some bands dropped.
    assert merged["health_band"].nunique() >= 3 and merged["is_band_drop"].any()


def test_get_customer_health_kpis_matches_the_oracle(oracle_demo, tenant, oracle_weeks):
    run = model_run(oracle_demo.warehouse, tenant)
    date_to = run["cutoff"]
    date_from = date_to - dt.timedelta(days=41)  # six week ends
    actual = get_customer_health_kpis(tenant, date_from, date_to, warehouse=oracle_demo.warehouse)
    expected = customer_health_kpis(oracle_weeks(oracle_demo, tenant), date_from, date_to)
    assert actual["as_of_date"] == expected["as_of_date"] == str(date_to)
    assert actual["mean_health_score"] == pytest.approx(expected["mean_health_score"], rel=1e-9)
    assert actual["band_drops_count"] == expected["band_drops_count"] > 0
    assert sorted(row["customer_id"] for row in actual["band_drops"]) == expected["band_drops"]
    assert [(r["health_band"], r["customers"]) for r in actual["band_distribution"]] == [
        (r["health_band"], r["customers"]) for r in expected["band_distribution"]
    ]
    assert actual["band_history"] == expected["band_history"]
    assert len({row["as_of_date"] for row in actual["band_history"]}) == 6


def test_a_period_without_week_ends_has_no_health_figures(oracle_demo):
    empty = get_customer_health_kpis(
        "test_cl", "2020-01-01", "2020-01-31", warehouse=oracle_demo.warehouse
    )
    assert empty["as_of_date"] is None and empty["band_distribution"] == []


def test_prob_alive_over_a_customers_life_matches_lifetimes(oracle_demo, tenant):
    run = model_run(oracle_demo.warehouse, tenant)
    history = oracle_demo.warehouse.query(
        "select customer_id, as_of_date, point_type, repeat_days, first_to_last_days, "
        "age_days, prob_alive from marts.mart_customer_alive_history "
        "where tenant_id = %(tenant_id)s",
        {"tenant_id": tenant},
    )
    assert set(history["point_type"]) == {"Compra", "Fin de mes", "Corte del modelo"}
    # The histories themselves, from the raw orders, at a sample of points.
    shop = oracle_demo.shops[tenant]
    valid = shop.orders[shop.orders["is_valid"] & shop.orders["customer_id"].notna()]
    days = valid.groupby("customer_id")["created_date"].apply(lambda s: sorted(set(s)))
    sample = history.sample(n=min(300, len(history)), random_state=3)
    for row in sample.to_dict("records"):
        as_of = pd.Timestamp(row["as_of_date"]).date()
        seen = [d for d in days[row["customer_id"]] if d <= as_of]
        assert row["repeat_days"] == len(seen) - 1
        assert row["first_to_last_days"] == (seen[-1] - seen[0]).days
        assert row["age_days"] == (as_of - seen[0]).days
    expected = prob_alive(
        run, history["repeat_days"], history["first_to_last_days"], history["age_days"]
    )
    np.testing.assert_allclose(history["prob_alive"], expected, rtol=1e-9)


def test_prob_purchase_within_30_days_matches_a_simulation(oracle_demo, tenant):
    run = model_run(oracle_demo.warehouse, tenant)
    customers = oracle_demo.warehouse.query(
        "select customer_id, repeat_purchase_days, customer_age_days, prob_alive, "
        "prob_purchase_30d from marts.mart_customer_value where tenant_id = %(tenant_id)s "
        "order by repeat_purchase_days desc, customer_id",
        {"tenant_id": tenant},
    )
    # A one-time buyer, a few repeats, the most repeats: the probability differs widely.
    picks = customers.drop_duplicates("repeat_purchase_days").iloc[[0, -1]]
    picks = pd.concat([picks, customers[customers["repeat_purchase_days"] == 2].head(1)])
    for row in picks.to_dict("records"):
        simulated = prob_purchase_within(
            30, run["params"], row["repeat_purchase_days"], row["customer_age_days"],
            row["prob_alive"],
        )  # fmt: skip
        assert row["prob_purchase_30d"] == pytest.approx(simulated, abs=0.004)


def test_the_life_line_shows_the_customers_raw_orders(oracle_demo, tenant):
    warehouse, shop = oracle_demo.warehouse, oracle_demo.shops[tenant]
    top = warehouse.query(
        "select value.customer_id, contacts.email from marts.mart_customer_value as value "
        "join marts.mart_customer_contacts as contacts using (tenant_id, customer_id) "
        "where value.tenant_id = %(tenant_id)s and contacts.email is not null "
        "order by value.predicted_clv_12m desc, value.customer_id limit 1",
        {"tenant_id": tenant},
    ).iloc[0]
    page = get_customer_life_line(tenant, top["email"].upper(), warehouse=warehouse)
    assert page["customer_id"] == top["customer_id"]
    orders = shop.orders[shop.orders["customer_id"] == top["customer_id"]]
    purchases = [e for e in page["events"] if e["event_type"] == "Compra"]
    by_name = {e["reference"]: e for e in purchases}
    assert set(by_name) == set(orders["order_name"])
    lines = shop.lines[shop.lines["order_id"].isin(orders["order_id"])]
    for order in orders.to_dict("records"):
        event = by_name[order["order_name"]]
        assert event["amount"] == pytest.approx(order["total_amount"])
        assert event["status"] == (
            "Válida" if order["is_valid"] else "Cancelada" if order["is_cancelled"] else "Sin pagar"
        )
        titles = sorted(set(lines.loc[lines["order_id"] == order["order_id"], "product_title"]))
        assert event["detail"] == ", ".join(titles)
    dates = [event["event_date"] for event in page["events"]]
    assert dates == sorted(dates)
    valid_days = orders.loc[orders["is_valid"], "created_date"].nunique()
    assert page["valid_orders"] == orders["is_valid"].sum() and valid_days > 1
    last = page["prob_alive_history"][-1]
    assert last["point_type"] == "Corte del modelo" and last["prob_alive"] == pytest.approx(
        page["prob_alive"], rel=1e-12
    )
    assert len(page["health_history"]) == len({w["as_of_date"] for w in page["health_history"]})


def test_the_customer_page_cards_show_the_chosen_customer(oracle_demo, tenant):
    warehouse = oracle_demo.warehouse
    dashboard = next(d for d in load_dashboards() if d.key == "ficha_cliente")
    cards = {card.key: card for card in dashboard.cards}
    default = cards["ficha_resumen"].run(warehouse, {"tenant": tenant, "customer": None})
    other = warehouse.query(
        "select customer_id from marts.mart_customer_value where tenant_id = %(tenant_id)s "
        "order by predicted_clv_12m, customer_id limit 1",
        {"tenant_id": tenant},
    )["customer_id"].iloc[0]
    chosen = {"tenant": tenant, "customer": other}
    summary = cards["ficha_resumen"].run(warehouse, chosen)
    assert list(summary["customer_id"]) == [other] != list(default["customer_id"])
    page = get_customer_life_line(tenant, other, warehouse=warehouse)
    for key, figure in [("ficha_compra_30_dias", "prob_purchase_30d"),
                        ("ficha_probabilidad_actual", "prob_alive"),
                        ("ficha_valor_predicho", "predicted_clv_12m")]:  # fmt: skip
        value = cards[key].run(warehouse, chosen)["value"]
        assert list(value) == pytest.approx([page[figure]])
    events = cards["ficha_linea_de_vida"].run(warehouse, chosen)
    assert list(events["reference"]) == [e["reference"] for e in page["events"]]
    alive = cards["ficha_probabilidad_activo"].run(warehouse, chosen)
    assert list(alive["prob_alive"]) == pytest.approx(
        [p["prob_alive"] for p in page["prob_alive_history"]]
    )


def test_an_unknown_customer_gets_a_one_line_error(oracle_demo):
    with pytest.raises(
        UnknownCustomerError, match=r"no customer of test_cl .* 'nadie@example\.cl'"
    ):
        get_customer_life_line("test_cl", "nadie@example.cl", warehouse=oracle_demo.warehouse)
