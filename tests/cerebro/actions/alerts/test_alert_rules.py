"""Each metric measures the hand-worked value of the crafted marts (crafted_marts.py) and a rule
fires strictly above its threshold: not at it, not below it."""

from __future__ import annotations

import shutil

import pytest
import yaml

from cerebro.actions.alerts import load_alerts_config
from cerebro.serving.kpis import get_cart_abandonment_rate, get_operations_kpis
from cerebro.settings import Settings
from cerebro.warehouse import Warehouse
from tests.cerebro.actions.alerts.alert_helpers import alerts_document, evaluate, rule
from tests.cerebro.actions.alerts.crafted_marts import ALERT_DATE, capital_snapshot

#: (metric, rule settings, tenant, hand-worked value) — the arithmetic is in crafted_marts.py.
CASES = [
    ("cart_abandonment_rate", {"lookback_days": 7}, "t_cl", 16 / 20),
    ("cancellation_rate", {"lookback_days": 7}, "t_cl", 5 / 20),
    ("cac", {"channel": "Meta Ads", "lookback_days": 30}, "t_cl", 300_000 / 12),
    ("cac", {"lookback_days": 30}, "t_cl", 500_000 / 25),
    ("cac", {"channel": "Meta Ads", "lookback_days": 30}, "t_pe", 500 / 4),
    ("source_hours_since_sync", {}, "t_cl", 42.0),
    ("source_hours_since_sync", {"sources": ["meta_ads"]}, "t_cl", 5.0),
    ("spend_missing_days", {}, "t_cl", 18.0),
]


@pytest.fixture(scope="module")
def threshold_outcomes(crafted_file, tmp_path_factory):
    """Every case as three rules (threshold just below, exactly at and just above the value),
    all measured in one evaluation."""
    directory = tmp_path_factory.mktemp("threshold_cases")
    shutil.copy(crafted_file, directory / "alerts.duckdb")
    warehouse = Warehouse(
        Settings(
            data_dir=directory,
            tenants_file=directory / "tenants.yml",
            duckdb_path=directory / "alerts.duckdb",
        )
    )
    rules = [
        rule(f"case{index}_{position}", metric, expected * factor, **settings)
        for index, (metric, settings, _, expected) in enumerate(CASES)
        for position, factor in (("below", 0.99), ("at", 1.0), ("above", 1.01))
    ]
    path = directory / "alerts.yml"
    path.write_text(yaml.safe_dump(alerts_document(rules), allow_unicode=True), encoding="utf-8")
    summary = evaluate(warehouse, load_alerts_config(path), ALERT_DATE)
    assert summary.errors == {}
    return {(o.tenant_id, o.rule.id): o for o in summary.outcomes}


@pytest.mark.parametrize(
    ("index", "tenant_id", "expected"),
    [(index, tenant_id, expected) for index, (_, _, tenant_id, expected) in enumerate(CASES)],
    ids=[f"{metric}-{tenant}-{settings}" for metric, settings, tenant, _ in CASES],
)
def test_rule_fires_above_its_threshold_but_not_at_or_below_it_hand_worked_value(
    threshold_outcomes, index, tenant_id, expected
):
    outcomes = {
        position: threshold_outcomes[(tenant_id, f"case{index}_{position}")]
        for position in ("below", "at", "above")
    }
    for outcome in outcomes.values():
        assert outcome.measurement.value == pytest.approx(expected, rel=1e-12)
    assert {position for position, o in outcomes.items() if o.fired} == {"below"}


def test_rates_are_the_kpi_functions_figures(warehouse, write_config):
    """The alert and the dashboard show the same number (cerebro.serving.kpis on the same
    window)."""
    config = write_config(
        alerts_document(
            [
                rule("abandono", "cart_abandonment_rate", 0.5, lookback_days=7),
                rule("cancelaciones", "cancellation_rate", 0.5, lookback_days=7),
            ]
        )
    )
    summary = evaluate(warehouse, config, ALERT_DATE)
    start = ALERT_DATE.replace(day=14)
    values = {(o.tenant_id, o.rule.id): o.measurement.value for o in summary.outcomes}
    for tenant_id in ("t_cl", "t_pe"):
        kpi = get_cart_abandonment_rate(tenant_id, start, ALERT_DATE, warehouse=warehouse)
        operations = get_operations_kpis(tenant_id, start, ALERT_DATE, warehouse=warehouse)
        assert values[(tenant_id, "abandono")] == kpi["cart_abandonment_rate"]
        assert values[(tenant_id, "cancelaciones")] == operations["cancellation_rate"]


def test_comparisons_below_and_at_or_above_include_or_exclude_the_threshold(
    warehouse, write_config
):
    config = write_config(
        alerts_document(
            [
                rule("at_or_above_80", "cart_abandonment_rate", 0.8, comparison="at_or_above"),
                rule("below_80", "cart_abandonment_rate", 0.8, comparison="below"),
                rule("below_81", "cart_abandonment_rate", 0.81, comparison="below"),
                rule("at_or_below_79", "cart_abandonment_rate", 0.79, comparison="at_or_below"),
            ]
        )
    )
    summary = evaluate(warehouse, config, ALERT_DATE)
    fired = {o.rule.id for o in summary.fired if o.tenant_id == "t_cl"}
    assert fired == {"at_or_above_80", "below_81"}


def test_per_tenant_overrides_change_threshold_and_can_disable_a_rule(warehouse, write_config):
    # CAC of Meta Ads: t_cl $25.000 (under 30 000), t_pe 125 PEN (over its own 100).
    cac = rule(
        "cac_meta", "cac", 30_000, channel="Meta Ads", overrides={"t_pe": {"threshold": 100}}
    )
    staleness = rule(
        "fuentes", "source_hours_since_sync", 1, overrides={"t_cl": {"enabled": False}}
    )
    summary = evaluate(warehouse, write_config(alerts_document([cac, staleness])), ALERT_DATE)
    fired = {(o.tenant_id, o.rule.id) for o in summary.fired}
    # t_pe's shopify is 3 h old (fires over 1 h); t_cl's staleness rule is switched off.
    assert fired == {("t_pe", "cac_meta"), ("t_pe", "fuentes")}
    assert ("t_cl", "fuentes") not in {(o.tenant_id, o.rule.id) for o in summary.outcomes}


def test_a_rate_without_denominator_is_no_data_and_never_fires(warehouse, write_config):
    # No checkout at all in the 7 days ending 2026-11-30.
    config = write_config(
        alerts_document([rule("abandono", "cart_abandonment_rate", 0.0, comparison="at_or_above")])
    )
    summary = evaluate(warehouse, config, ALERT_DATE.replace(day=30))
    assert [o.measurement.value for o in summary.outcomes] == [None, None]
    assert summary.fired == [] and summary.metadata()["no_data"] == 2


def test_capital_at_risk_compares_with_the_cutoff_a_lookback_earlier_kept_in_history(
    warehouse, write_config
):
    """The mart holds only the latest cut-off. 13 Nov: $1.000.000 (first seen, nothing to
    compare); 16 Nov: $1.100.000 (3 days after 13 Nov: no cut-off a week earlier); 20 Nov:
    $1.250.000 against 13 Nov (the latest at least 7 days earlier, not 16 Nov):
    (1 250 000 - 1 000 000) / 1 000 000 = +25%."""
    config = write_config(
        alerts_document(
            [
                rule("capital_20", "capital_at_risk_change", 0.20, lookback_days=7),
                rule("capital_25", "capital_at_risk_change", 0.25, lookback_days=7),
                rule("capital_30", "capital_at_risk_change", 0.30, lookback_days=7),
            ]
        )
    )
    first = evaluate(warehouse, config, ALERT_DATE.replace(day=13))
    capital_snapshot(warehouse, [("t_cl", "2026-11-16", 1_100_000.0), ("t_pe", "2026-11-16", 80.0)])
    second = evaluate(warehouse, config, ALERT_DATE.replace(day=16))
    capital_snapshot(warehouse, [("t_cl", "2026-11-20", 1_250_000.0), ("t_pe", "2026-11-20", 90.0)])
    third = evaluate(warehouse, config, ALERT_DATE)

    assert [o.measurement.value for o in first.outcomes + second.outcomes] == [None] * 12
    values = {(o.tenant_id, o.rule.id): o.measurement.value for o in third.outcomes}
    assert values[("t_cl", "capital_20")] == 0.25
    assert values[("t_pe", "capital_20")] is None  # t_pe's 13 Nov capital was 0: no ratio
    assert {(o.tenant_id, o.rule.id) for o in third.fired} == {("t_cl", "capital_20")}
    history = warehouse.query(
        "select tenant_id, as_of_date, value from ops.alert_metric_history "
        "where metric = 'capital_at_risk_change' order by 1, 2"
    )
    assert [(t, str(d), v) for t, d, v in history.itertuples(index=False)] == [
        ("t_cl", "2026-11-13", 1_000_000.0),
        ("t_cl", "2026-11-16", 1_100_000.0),
        ("t_cl", "2026-11-20", 1_250_000.0),
        ("t_pe", "2026-11-13", 0.0),
        ("t_pe", "2026-11-16", 80.0),
        ("t_pe", "2026-11-20", 90.0),
    ]
    message = warehouse.query("select message from ops.alert_log")["message"].iloc[0]
    assert "+25,0%" in message and "$1.000.000" in message and "$1.250.000" in message
    assert "13 nov 2026" in message and "20 nov 2026" in message


def test_messages_are_spanish_with_the_tenants_currency(warehouse, write_config):
    config = write_config(
        alerts_document([rule("cac_meta", "cac", 100, channel="Meta Ads", lookback_days=30)])
    )
    evaluate(warehouse, config, ALERT_DATE)
    messages = dict(
        warehouse.query("select tenant_id, message from ops.alert_log").itertuples(index=False)
    )
    assert messages["t_cl"] == (
        "El CAC de Meta Ads fue de $25.000 en los últimos 30 días (22 oct 2026 \u2013 "
        "20 nov 2026): $300.000 de inversión para 12 clientes nuevos; se alerta con más de "
        "$100."
    )
    assert "S/\xa0125.00" in messages["t_pe"] and "S/\xa0100.00" in messages["t_pe"]
