"""The alerts file: the shipped one is valid, and every mistake gets a message that says where
and what to do."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cerebro.actions.alerts import AlertConfigError, alerts_file_from_env, load_alerts_config
from cerebro.actions.alerts.config import DEFAULT_ALERTS_FILE, parse_alerts_config
from cerebro.settings import PROJECT_ROOT
from cerebro.tenants import load_tenants
from tests.cerebro.actions.alerts.alert_helpers import alerts_document, rule


def test_the_shipped_alerts_file_is_valid_for_the_shipped_tenants():
    tenants = load_tenants(PROJECT_ROOT / "cerebro" / "tenants.yml")
    config = load_alerts_config(DEFAULT_ALERTS_FILE, tenant_ids=[t.tenant_id for t in tenants])
    metrics = {r.metric for r in config.rules}
    assert metrics == {
        "cart_abandonment_rate", "cancellation_rate", "cac", "capital_at_risk_change",
        "source_hours_since_sync", "spend_missing_days", "campaign_customer_gap",
    }  # fmt: skip
    assert {r.severity for r in config.rules} == {"info", "warning", "critical"}
    assert config.run_failure_channels and all(
        c.webhook_env for c in config.channels.values() if c.type == "webhook"
    )
    # The Peruvian tenant gets its own CAC thresholds (PEN, not CLP).
    cac = next(r for r in config.rules if r.id == "cac_meta_alto")
    assert cac.for_tenant("casafacil_pe").threshold < cac.threshold / 100


def test_the_file_comes_from_cerebro_alerts_file_when_set(tmp_path):
    assert alerts_file_from_env({}) == DEFAULT_ALERTS_FILE
    assert alerts_file_from_env({"CEREBRO_ALERTS_FILE": str(tmp_path / "a.yml")}) == (
        tmp_path / "a.yml"
    )


def _with(rule_changes: dict | None = None, **document_changes) -> dict:
    document = alerts_document([{**rule("abandono", "cart_abandonment_rate", 0.7)}])
    document["rules"][0].update(rule_changes or {})
    document.update(document_changes)
    return document


BAD_DOCUMENTS = [
    (_with({"metric": "conversion"}), "unknown metric 'conversion'; known metrics are"),
    (_with({"severity": "urgent"}), "severity 'urgent' is not one of info, warning, critical"),
    (_with({"severity": None}), "'severity' is required"),
    (_with({"threshold": None}), "'threshold' is required (a fraction between 0 and 1"),
    (_with({"threshold": 75}), "threshold 75: expected a fraction between 0 and 1"),
    (_with({"threshold": "alto"}), "threshold must be a number"),
    (_with({"treshold": 0.7}), "unknown key(s) ['treshold']"),
    (_with({"comparison": "greater"}), "comparison 'greater' is not one of above"),
    (_with({"channels": ["teams"]}), "unknown channel(s) ['teams']; declared channels are"),
    (_with({"channels": []}), "'channels' must name at least one channel"),
    (_with({"lookback_days": 0}), "lookback_days must be a whole number of days >= 1"),
    (_with({"id": "Abandono Alto"}), "'id' is required: lowercase letters"),
    (_with({"message": "Abandono {valor}"}), "unknown placeholder(s) ['valor']"),
    (_with({"overrides": {"t_pe": {"channels": ["slack"]}}}), "unknown key(s) ['channels']"),
    (_with({"metric": "cac", "threshold": 1000, "channel": "Facebook"}), "not a channel group"),
    (_with({"metric": "source_hours_since_sync", "threshold": 36, "lookback_days": 3}),
     "metric source_hours_since_sync has no lookback window"),
    (_with({"metric": "source_hours_since_sync", "threshold": 36, "sources": ["tiktok"]}),
     "unknown source(s) ['tiktok']"),
    (_with(channels={"slack": {"type": "webhook", "webhook_env": "https://hooks.slack.com/x"}}),
     "webhook_env must name an environment variable"),
    (_with(channels={"slack": {"type": "sms"}}), "type must be one of webhook, email"),
    (_with(channels={"slack": {"type": "email", "to": ["gerencia"]}}), "not e-mail addresses"),
    (_with(run_failures={"channels": ["pager"]}), "run_failures: unknown channel(s) ['pager']"),
    (_with(retry_days=-1), "retry_days must be a whole number of days >= 0"),
    (_with(rules_typo=[]), "unknown key(s) ['rules_typo']"),
]  # fmt: skip


@pytest.mark.parametrize(("document", "expected"), BAD_DOCUMENTS)
def test_config_errors_say_what_is_wrong_and_where(document, expected):
    with pytest.raises(AlertConfigError) as raised:
        parse_alerts_config(document, Path("alerts.yml"), tenant_ids=["t_cl", "t_pe"])
    assert expected in str(raised.value)
    assert str(raised.value).startswith("alerts.yml")


def test_overrides_for_a_tenant_not_in_the_tenants_file_are_skipped_with_a_warning(caplog):
    document = _with({"overrides": {"t_xx": {"threshold": 0.5}, "t_pe": {"threshold": 0.6}}})
    config = parse_alerts_config(document, Path("alerts.yml"), tenant_ids=["t_cl", "t_pe"])
    (parsed,) = config.rules
    assert set(parsed.overrides) == {"t_pe"}
    assert "overrides for tenant 't_xx' skipped" in caplog.text


def test_a_duplicated_rule_id_is_an_error():
    document = alerts_document([rule("abandono", "cart_abandonment_rate", 0.7)] * 2)
    with pytest.raises(AlertConfigError, match=r"duplicated rule id \['abandono'\]"):
        parse_alerts_config(document, Path("alerts.yml"))


def test_a_missing_file_or_bad_yaml_is_an_error_naming_the_variable(tmp_path):
    with pytest.raises(AlertConfigError, match=r"alerts file not found: .* CEREBRO_ALERTS_FILE"):
        load_alerts_config(tmp_path / "missing.yml")
    broken = tmp_path / "broken.yml"
    broken.write_text("rules: [\n", encoding="utf-8")
    with pytest.raises(AlertConfigError, match="not valid YAML"):
        load_alerts_config(broken)


def test_a_key_written_twice_is_refused_as_the_tenants_file_refuses_it(tmp_path):
    """Issue 56: PyYAML keeps the last of two equal keys, so a threshold edited above an old
    one was silently lost; the alerts file is now read as the tenants file is."""
    path = tmp_path / "alerts.yml"
    path.write_text(
        "channels: {}\nrules:\n  - id: abandono\n    metric: cart_abandonment_rate\n"
        "    threshold: 0.7\n    threshold: 0.9\n",
        encoding="utf-8",
    )
    with pytest.raises(
        AlertConfigError,
        match=r"alerts\.yml: line 6, column 5: .*the key 'threshold' appears twice",
    ):
        load_alerts_config(path)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ({"alerts.yml/rules.yml": b"rules: []\n"}, r"alerts\.yml: is a folder, not a file"),
        ({"alerts.yml": "# Umbral de devolución\nrules: []\n".encode("cp1252")},
         r"alerts\.yml: not UTF-8 text .*: save it as UTF-8"),
    ],
    ids=["a folder", "Windows-1252"],
)  # fmt: skip
def test_an_alerts_file_that_cannot_be_read_is_one_line(tmp_path, content, expected):
    for name, data in content.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    with pytest.raises(AlertConfigError, match=expected):
        load_alerts_config(tmp_path / "alerts.yml")


def test_a_comparison_may_be_written_as_a_quoted_symbol(tmp_path):
    document = _with({"comparison": ">="})
    path = tmp_path / "alerts.yml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    (loaded,) = load_alerts_config(path).rules
    assert loaded.comparison == ">=" and loaded.fires(0.7) and not loaded.fires(0.69)
