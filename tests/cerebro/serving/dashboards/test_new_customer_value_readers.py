"""One value of a new customer (issue 52): every reader shows mart_new_customer_value's number
for a channel, never one of its own. Read on the session's small demo: the budget plan's
customer-value objective (ml.ml_budget_recommendations' value_per_unit, the value it planned
with), Canales' "CAC vs LTV" card, the Resumen's LTV-ROAS (its model customers valued at the
same number) and `cerebro kpis channels`."""

from __future__ import annotations

import numpy as np
import pytest

from cerebro.serving.dashboards.spec import filter_values
from cerebro.serving.kpis.channels import get_channels_page
from tests.cerebro.serving.dashboards.dashboard_runs import run_card
from tests.support.demo_platform import DEMO_TENANTS

pytestmark = pytest.mark.e2e


def _values(warehouse, tenant: str) -> dict[str, float]:
    frame = warehouse.query(
        "select channel_group, customer_value_amount from marts.mart_new_customer_value "
        "where tenant_id = %(tenant)s and customer_value_amount is not null",
        {"tenant": tenant},
    )
    amounts = frame["customer_value_amount"].astype(float)
    return dict(zip(frame["channel_group"], amounts, strict=True))


@pytest.mark.parametrize("tenant", DEMO_TENANTS)
def test_every_reader_shows_the_marts_value_of_a_new_customer(demo_duckdb, dashboards, tenant):
    warehouse = demo_duckdb.warehouse
    values = _values(warehouse, tenant)
    assert values

    plan = warehouse.query(
        "select channel, value_per_unit from ml.ml_budget_recommendations "
        "where tenant_id = %(tenant)s and objective = 'ltv'",
        {"tenant": tenant},
    )
    assert not plan.empty, "the plan has no customer-value objective"
    for channel, worth in zip(plan["channel"], plan["value_per_unit"].astype(float), strict=True):
        # The plan's weights are values >= 0: a channel whose customers lose money is worth 0.
        assert worth == pytest.approx(max(values[channel], 0.0), rel=1e-9), channel

    canales = dashboards["canales_marketing"]
    period = filter_values(canales, warehouse, tenant)
    scatter = run_card(warehouse, canales, canales.card("cac_vs_ltv"), period)
    assert scatter.problem() is None, scatter.problem()
    shown = scatter.frame["ltv"].astype(float)
    for channel, ltv in zip(scatter.frame["channel"], shown, strict=True):
        assert ltv == pytest.approx(values[channel], rel=1e-9), channel

    roas = warehouse.query(
        "select channel_group, model_new_customers, model_customer_value_amount "
        "from marts.mart_budget_roas_comparison where tenant_id = %(tenant)s "
        "and model_new_customers <> 0",
        {"tenant": tenant},
    )
    per_customer = roas["model_customer_value_amount"].astype(float) / roas[
        "model_new_customers"
    ].astype(float)
    wanted = roas["channel_group"].map(values).astype(float)
    np.testing.assert_allclose(per_customer, wanted, rtol=1e-9)

    cli = get_channels_page(tenant, period["date_from"], period["date_to"], warehouse=warehouse)
    shown = {row["channel"]: row["new_customer_value"] for row in cli["new_customer_value"]}
    assert shown == pytest.approx(values, rel=1e-9)
