"""A tenant names the Stripe tap under the store's source (its orders, customers and refunds)
and under ``stripe`` (its subscriptions); Cerebro tells the tap which source each run lands,
and ``cerebro tenants add --source stripe`` writes both entries with the same secret.

Oracles: the raw contract (the sources the tap lands), the secrets' naming rule
(``<TAP>_<SETTING>_<TENANT>``) and the tap's own settings schema.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from tap_cerebro_stripe.tap import TapCerebroStripe

from cerebro.cli.main import main
from cerebro.landing.taps import tap_invocation
from cerebro.settings import PROJECT_ROOT
from cerebro.tenants import TenantConfigError, load_tenants

SOURCE = """
      {name}:
        tap: stripe
        settings: {{start_date: "2025-01-01T00:00:00Z"}}
        secrets: {{api_key: STRIPE_API_KEY_SUSCRIPCIONES_CL}}"""
TENANT = """
tenants:
  - tenant_id: suscripciones_cl
    name: Suscripciones
    timezone: America/Santiago
    currency: CLP
    country_code: CL
    sources:{sources}
"""


def test_each_run_is_told_the_source_it_lands(tmp_path, monkeypatch):
    tenants_file = tmp_path / "tenants.yml"
    sources = SOURCE.format(name="shopify") + SOURCE.format(name="stripe")
    tenants_file.write_text(TENANT.format(sources=sources), encoding="utf-8")
    (tenant,) = load_tenants(tenants_file)
    monkeypatch.setenv("STRIPE_API_KEY_SUSCRIPCIONES_CL", "rk_live_from_env")
    for source in ("shopify", "stripe"):
        _, config = tap_invocation(tenant, tenant.sources[source], tmp_path)
        assert config == {
            "tenant_id": "suscripciones_cl",
            "start_date": "2025-01-01T00:00:00Z",
            "api_key": "rk_live_from_env",
            "source": source,
        }
        tap = TapCerebroStripe(config=config, parse_env_config=False)
        assert {s.source for s in tap.streams.values()} == {source}


def test_the_tap_under_another_source_is_refused(tmp_path):
    tenants_file = tmp_path / "tenants.yml"
    tenants_file.write_text(TENANT.format(sources=SOURCE.format(name="meta_ads")), "utf-8")
    with pytest.raises(TenantConfigError, match="stripe lands the store's orders and customers"):
        load_tenants(tenants_file)


def test_tenants_add_writes_the_store_and_the_subscriptions(tmp_path):
    tenants_file = tmp_path / "tenants.yml"
    tenants_file.write_bytes((PROJECT_ROOT / "cerebro" / "tenants.yml").read_bytes())
    result = CliRunner().invoke(
        main,
        ["tenants", "--tenants-file", str(tenants_file), "add", "suscripciones_cl", "--name",
         "Suscripciones", "--country", "CL", "--timezone", "America/Santiago", "--currency",
         "CLP", "--source", "stripe", "--set", "stripe.start_date=2025-01-01"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    added = load_tenants(tenants_file)[-1]
    assert sorted(added.sources) == ["shopify", "stripe"]
    for source in added.sources.values():
        assert source.tap == "stripe"
        assert source.settings == {"start_date": "2025-01-01"}
        assert source.secrets == {"api_key": "STRIPE_API_KEY_SUSCRIPCIONES_CL"}
    assert "&id" not in tenants_file.read_text(encoding="utf-8"), "no YAML anchors"
