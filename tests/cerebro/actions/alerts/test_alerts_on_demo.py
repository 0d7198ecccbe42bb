"""The shipped rules on the real marts of the small demo platform run (slow: the platform run):
every rule evaluates, and CAC agrees with mart_channel_value_monthly, which dbt computes from
the same definition (KPIS.md) by a different route."""

from __future__ import annotations

import calendar
import datetime as dt

import pytest

from cerebro.actions.alerts import load_alerts_config, run_alerts
from cerebro.actions.alerts.config import DEFAULT_ALERTS_FILE, parse_alerts_config
from cerebro.tenants import load_tenants

pytestmark = pytest.mark.slow

LAST_DAY = dt.date(2026, 10, 31)  # the demo's end_date (tests/conftest.py)


def test_the_shipped_rules_evaluate_on_the_demo_marts(demo_duckdb, demo_root):
    tenants = load_tenants(demo_root / "tenants.yml")
    shipped = load_alerts_config(DEFAULT_ALERTS_FILE)
    # The shipped overrides name the shipped tenants; the demo's tenants are others.
    config = parse_alerts_config(
        {
            "channels": {"slack": {"type": "webhook", "webhook_env": "UNSET_TEST_WEBHOOK"}},
            "rules": [
                {
                    "id": r.id, "severity": r.severity, "metric": r.metric,
                    "threshold": r.threshold, "channels": ["slack"],
                    **{k: list(v) if isinstance(v, tuple) else v for k, v in r.params.items()},
                    **({"lookback_days": r.lookback_days} if r.lookback_days else {}),
                }
                for r in shipped.rules
            ],
        },
        DEFAULT_ALERTS_FILE,
    )  # fmt: skip
    summary = run_alerts(
        demo_duckdb.warehouse,
        tenants,
        config,
        alert_dates={t.tenant_id: LAST_DAY for t in tenants},
        environ={},
    )
    assert summary.errors == {}
    assert len(summary.outcomes) == len(config.rules) * len(tenants)
    rates = [o.measurement.value for o in summary.outcomes if o.rule.spec.unit == "rate"]
    # Every rate is measured, but the WooCommerce store's cart abandonment (it keeps no
    # checkouts, so that rate is empty, never 0 %) and the campaign gap where no campaign has
    # enough customers to compare.
    unmeasured = {
        (o.tenant_id, o.rule.metric)
        for o in summary.outcomes
        if o.rule.spec.unit == "rate" and o.measurement.value is None
    }
    assert ("test_woo", "cart_abandonment_rate") in unmeasured
    assert {metric for _, metric in unmeasured} == {
        "cart_abandonment_rate",
        "campaign_customer_gap",
    }
    assert all(0 <= value <= 1 for value in rates if value is not None)


def test_cac_over_a_month_equals_the_monthly_channel_value_mart(demo_duckdb, demo_root):
    tenants = load_tenants(demo_root / "tenants.yml")
    month_end = dt.date(2026, 9, 30)
    days = calendar.monthrange(month_end.year, month_end.month)[1]
    warehouse = demo_duckdb.warehouse
    mart = warehouse.query(
        "select tenant_id, channel_group, sum(spend_amount) as spend, "
        "sum(new_customers) as new_customers "
        "from marts.mart_channel_value_monthly where month_start_date = %(month)s "
        "group by 1, 2",
        {"month": month_end.replace(day=1)},
    )
    paid = mart[(mart["spend"] > 0) & (mart["new_customers"] > 0)]
    assert len(paid) >= 2
    rules = [
        {"id": f"cac_{i}", "severity": "info", "metric": "cac", "threshold": 0,
         "channel": channel, "lookback_days": days, "channels": ["slack"]}
        for i, channel in enumerate(sorted(set(paid["channel_group"])))
    ]  # fmt: skip
    config = parse_alerts_config(
        {"channels": {"slack": {"type": "webhook", "webhook_env": "UNSET"}}, "rules": rules},
        DEFAULT_ALERTS_FILE,
    )
    summary = run_alerts(
        warehouse,
        tenants,
        config,
        alert_dates={t.tenant_id: month_end for t in tenants},
        environ={},
    )
    measured = {
        (o.tenant_id, o.rule.params["channel"]): o.measurement.value for o in summary.outcomes
    }
    for row in paid.itertuples():
        expected = float(row.spend) / float(row.new_customers)
        assert measured[(row.tenant_id, row.channel_group)] == pytest.approx(expected, rel=1e-9)
