"""One value of a new customer (issue 52): every reader shows mart_new_customer_value's number
for a channel, never one of its own. Read on the session's small demo: the budget plan's
customer-value objective (ml.ml_budget_recommendations' value_per_unit, the value it planned
with), Canales' "CAC vs LTV" card, the Resumen's LTV-ROAS (its model customers valued at the
same number) and `cerebro kpis channels`; and the Resumen's LTV-ROAS with its interval, over
the model's window."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml

from cerebro.serving.dashboards.spec import filter_values
from cerebro.serving.kpis.channels import get_channels_page
from cerebro.settings import DBT_PROJECT_DIR
from tests.cerebro.serving.dashboards.dashboard_runs import run_card
from tests.support.demo_platform import DEMO_TENANTS

pytestmark = pytest.mark.e2e

#: dbt var always_on_day_share (dbt_project.yml).
ALWAYS_ON_DAY_SHARE = float(
    yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))["vars"][
        "always_on_day_share"
    ]
)


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


@pytest.mark.parametrize("tenant", DEMO_TENANTS)
def test_the_resumen_shows_ltv_roas_with_the_models_interval(demo_duckdb, dashboards, tenant):
    """The Resumen's LTV-ROAS over the model's window with its interval: the new-customer
    model's own output (ml.ml_mmm_channel_summary: its new customers per channel, their 90 %
    interval and the window's spend) valued at mart_new_customer_value's number."""
    warehouse = demo_duckdb.warehouse
    values = _values(warehouse, tenant)
    model = warehouse.query(
        "select channel, spend, contribution, contribution_low, contribution_high, calibrated "
        "from ml.ml_mmm_channel_summary "
        "where tenant_id = %(tenant)s and target = 'new_customers'",
        {"tenant": tenant},
    ).set_index("channel")
    assert not model.empty, "no new-customer model"
    resumen = dashboards["resumen_ejecutivo"]
    card = run_card(
        warehouse, resumen, resumen.card("ltv_roas_con_intervalo"),
        filter_values(resumen, warehouse, tenant),
    )  # fmt: skip
    assert card.problem() is None, card.problem()
    shown = card.frame.set_index("channel")
    assert sorted(shown.index) == sorted(set(model.index) & set(values))
    # The mart counts the days itself; the model counted its rows: the same share.
    active_shares = _model_active_shares(warehouse, tenant)
    counted = (
        warehouse.query(
            "select channel_group, active_day_share from marts.mart_budget_ltv_roas "
            "where tenant_id = %(tenant)s",
            {"tenant": tenant},
        )
        .set_index("channel_group")["active_day_share"]
        .astype(float)
    )
    for channel, share in counted.items():
        assert share == pytest.approx(active_shares[channel], rel=1e-9), channel
    for channel, row in shown.iterrows():
        fit = model.loc[channel].astype(float)
        ends = sorted(fit[["contribution_low", "contribution_high"]] * values[channel])
        expected = [fit["contribution"] * values[channel], *ends]
        got = row[["ltv_roas", "ltv_roas_low", "ltv_roas_high"]].astype(float).to_numpy()
        np.testing.assert_allclose(got * fit["spend"], expected, rtol=1e-9, err_msg=channel)
        assert row["level_evidence_label"] == _level_evidence(
            bool(model.loc[channel, "calibrated"]), active_shares[channel]
        ), channel


def _level_evidence(calibrated: bool, active_share: float) -> str:
    if calibrated:
        return "Experimento"
    if active_share >= ALWAYS_ON_DAY_SHARE:
        return "Extrapolado: el canal casi nunca se apagó"
    return "Días con y sin inversión"


def _model_active_shares(warehouse, tenant: str) -> dict[str, float]:
    """Per channel, the share of the fitted rows with spend, as the model computed it."""
    document = warehouse.query(
        "select model_document from ml.ml_mmm_models "
        "where tenant_id = %(tenant)s and target = 'new_customers'",
        {"tenant": tenant},
    )["model_document"].iloc[0]
    identification = json.loads(document)["fitted"]["identification_"]
    return {channel: stats["active_share"] for channel, stats in identification.items()}
