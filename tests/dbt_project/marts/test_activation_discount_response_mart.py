"""marts.mart_activation_discount_response on a crafted rescue that randomised its coupon over
the ladder (discount_experiment: known response per discount), built by the real dbt project on
DuckDB and on PostgreSQL; and the rescue rule reading it (decision 0064).

Oracles: an independent pandas count of each discount's buyers against every member without a
coupon (to 1e-9); the known effect, from which every estimate lies within three standard errors
(computed from the truth and the arms' sizes, not from the estimate: twelve such checks all
pass 97 % of the time), and which most 90 % intervals hold (at least 9 of 12; all 12 hold only
28 % of the time); and, for the rule, a customer worked by hand: with the
assumed curve no step pays, with the true response 5 % pays by a margin wider than the 5 %
interval moves it.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from cerebro.actions.activation.discount_experiment import read_levels, response_rule
from cerebro.actions.activation.rescue_offer import RescueAssumptions, rescue_offer
from cerebro.serving.dashboards.spec import load_dashboards
from tests.dbt_project.marts.crafted_dbt import build_models, crafted_warehouse, warehouse_environ
from tests.dbt_project.marts.discount_experiment import (
    DESTINATION,
    P_BASE,
    RESPONSE,
    SEGMENT,
    TENANT,
    WINDOW_DAYS,
    craft,
    true_uplift,
)
from tests.dbt_project.marts.test_activation_uplift_mart import SELECTION, WRITTEN, _cast_to_dates

Z = 1.645


@pytest.fixture(scope="module")
def crafted():
    return craft()


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def warehouse(request, tmp_path_factory, crafted):
    experiment, _ = crafted
    directory = tmp_path_factory.mktemp(f"discount_response_{request.param}")
    environ = warehouse_environ(request, request.param, directory)
    built = crafted_warehouse(environ)
    for (schema, table), (frame_name, dates) in WRITTEN.items():
        built.replace_table(schema, table, getattr(experiment, frame_name))
        _cast_to_dates(built, f"{schema}.{table}", dates)
    build_models(environ, directory, *SELECTION)
    return built


@pytest.fixture(scope="module")
def mart(warehouse) -> pd.DataFrame:
    frame = warehouse.query("select * from marts.mart_activation_discount_response")
    for column in frame.columns:
        if column.endswith(("_customers", "_buyers", "_rate", "_diff", "_lower", "_upper", "_se")):
            frame[column] = pd.to_numeric(frame[column]).astype(float)
    for column in ("discount", "response", "minimum_detectable_effect"):
        frame[column] = pd.to_numeric(frame[column]).astype(float)
    return frame


def test_each_discount_is_counted_against_every_member_without_a_coupon(mart, crafted):
    _, members = crafted
    assert len(mart) == len(RESPONSE) * 3
    for row in mart.itertuples(index=False):
        bought = members["first_day"] <= row.horizon_days
        level = members["discount"].sub(row.discount).abs().lt(1e-9)
        baseline = members["discount"].isna() | members["discount"].eq(0)
        assert row.treated_customers == level.sum() and row.baseline_customers == baseline.sum()
        p1, p0 = bought[level].mean(), bought[baseline].mean()
        se = math.sqrt(p1 * (1 - p1) / level.sum() + p0 * (1 - p0) / baseline.sum())
        assert row.purchase_rate_diff == pytest.approx(p1 - p0, abs=1e-9)
        assert row.purchase_rate_diff_lower == pytest.approx(p1 - p0 - Z * se, abs=1e-9)
        assert row.response == pytest.approx((p1 - p0) / (1 - p0), abs=1e-9)
        assert row.response_upper == pytest.approx((p1 - p0 + Z * se) / (1 - p0), abs=1e-9)
        assert row.is_complete and row.minimum_detectable_effect > 0


def test_the_estimates_recover_the_known_response(mart):
    covered = 0
    for row in mart.itertuples(index=False):
        truth = true_uplift(round(row.discount, 2), row.horizon_days)
        p0 = P_BASE * row.horizon_days / WINDOW_DAYS
        p1 = p0 + truth
        se = math.sqrt(
            p1 * (1 - p1) / row.treated_customers + p0 * (1 - p0) / row.baseline_customers
        )
        assert abs(row.purchase_rate_diff - truth) <= 3 * se, (row, se)
        covered += row.response_lower <= RESPONSE[round(row.discount, 2)] <= row.response_upper
        assert row.is_distinguishable_from_zero
    assert covered >= 9, covered


def test_the_rule_uses_the_measured_response_and_picks_the_step_it_pays_for(warehouse):
    assumptions = RescueAssumptions()
    levels = read_levels(warehouse, TENANT, DESTINATION, SEGMENT)
    assert [round(level.discount, 2) for level in levels] == list(RESPONSE)
    rule = response_rule(assumptions, levels)
    assert rule.is_measured, rule.sentence()
    assert rule.sentence().startswith("descuento de rescate: usa la respuesta medida")
    # p = 0.2, V = 10 000, S = 20 000, m = 0.4. Assumed r(5 %) = 0.06: gain 192 < cost 248,
    # and no larger step pays either. True r(5 %) = 0.14: gain 448 > cost 312; across the
    # 5 % interval's ends (about ±0.02) gain 384-512 against cost 296-328.
    customer = {"p_alive": 0.2, "predicted_clv_12m": 2_000.0,
                "expected_spend_per_purchase_amount": 20_000.0}  # fmt: skip
    assert rescue_offer(customer, assumptions).discount is None
    assert rescue_offer(customer, rule.in_use).discount == 0.05


def test_the_assumed_curve_is_the_rules_default_and_every_step_is_told_apart(mart):
    assumed = RescueAssumptions()
    for row in mart.itertuples(index=False):
        assert float(row.assumed_response) == pytest.approx(assumed.response(row.discount))
        assert row.is_distinguishable and row.is_rule_measured
        assert row.rule_text.startswith("La regla de descuento usa la respuesta medida")
    five = mart[(mart["horizon_days"] == 30) & (mart["discount"].round(2) == 0.05)].iloc[0]
    low, high = five["response_lower"] * 100, five["response_upper"] * 100
    assert five["response_text"] == (
        f"5%: respuesta medida {_comma(five['response'] * 100)}% (IC 90%: {_comma(low)}% a "
        f"{_comma(high)}%), supuesta 6,0%: distinguible."
    )


def test_the_acciones_page_says_which_response_the_rule_uses(warehouse):
    page = next(d for d in load_dashboards() if d.key == "acciones")
    card = page.card("descuento_de_rescate")
    frame = card.run(warehouse, {"tenant": TENANT})
    texts = list(frame["discount_text"])
    assert len(texts) == 1 + len(RESPONSE)
    assert texts[0].startswith("La regla de descuento usa la respuesta medida")
    assert [text.split(":")[0] for text in texts[1:]] == ["5%", "10%", "15%", "20%"]


def _comma(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")
