"""A tenant names the Mercado Libre tap under the store's source (its orders) and under
``mercadolibre_ads`` (Product Ads); Cerebro tells the tap which source each run lands and where
the rotated refresh token is kept (one file for both, so they share the token), and
``cerebro tenants add --source mercadolibre`` writes both entries with the same secrets.

Oracles: the raw contract (the sources the tap lands), the secrets' naming rule
(``<TAP>_<SETTING>_<TENANT>``), the tap's own settings schema and decision 0068 (the token file
in the tenant's state folder).
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from tap_cerebro_mercadolibre.tap import TapCerebroMercadoLibre

from cerebro.cli.main import main
from cerebro.landing.taps import tap_invocation
from cerebro.settings import PROJECT_ROOT
from cerebro.tenants import TenantConfigError, load_tenants

SOURCE = """
      {name}:
        tap: mercadolibre
        settings: {{seller_id: "98765432", client_id: "4455", start_date: "2025-01-01T00:00:00Z"}}
        secrets: {{client_secret: MERCADOLIBRE_CLIENT_SECRET_TIENDA_MELI_CL,
                  refresh_token: MERCADOLIBRE_REFRESH_TOKEN_TIENDA_MELI_CL}}"""
TENANT = """
tenants:
  - tenant_id: tienda_meli_cl
    name: Tienda en Mercado Libre
    timezone: America/Santiago
    currency: CLP
    country_code: CL
    sources:{sources}
"""


def test_each_run_is_told_its_source_and_both_share_the_kept_token(tmp_path, monkeypatch):
    tenants_file = tmp_path / "tenants.yml"
    sources = SOURCE.format(name="shopify") + SOURCE.format(name="mercadolibre_ads")
    tenants_file.write_text(TENANT.format(sources=sources), encoding="utf-8")
    (tenant,) = load_tenants(tenants_file)
    monkeypatch.setenv("MERCADOLIBRE_CLIENT_SECRET_TIENDA_MELI_CL", "secret-from-env")
    monkeypatch.setenv("MERCADOLIBRE_REFRESH_TOKEN_TIENDA_MELI_CL", "TG-from-env")
    state = tmp_path / "state"
    for source in ("shopify", "mercadolibre_ads"):
        _, config = tap_invocation(tenant, tenant.sources[source], tmp_path / "demo", state)
        assert config == {
            "tenant_id": "tienda_meli_cl",
            "seller_id": "98765432",
            "client_id": "4455",
            "start_date": "2025-01-01T00:00:00Z",
            "client_secret": "secret-from-env",
            "refresh_token": "TG-from-env",
            "source": source,
            "token_store_path": str(state / "tienda_meli_cl" / "mercadolibre.refresh_token.json"),
        }
        tap = TapCerebroMercadoLibre(config=config, parse_env_config=False)
        assert {s.source for s in tap.streams.values()} == {source}


def test_the_tap_under_another_source_is_refused(tmp_path):
    tenants_file = tmp_path / "tenants.yml"
    tenants_file.write_text(TENANT.format(sources=SOURCE.format(name="meta_ads")), "utf-8")
    with pytest.raises(TenantConfigError, match="mercadolibre lands the store's orders"):
        load_tenants(tenants_file)


def test_tenants_add_writes_the_orders_and_the_ads(tmp_path):
    tenants_file = tmp_path / "tenants.yml"
    tenants_file.write_bytes((PROJECT_ROOT / "cerebro" / "tenants.yml").read_bytes())
    result = CliRunner().invoke(
        main,
        ["tenants", "--tenants-file", str(tenants_file), "add", "tienda_meli_cl", "--name",
         "Tienda", "--country", "CL", "--timezone", "America/Santiago", "--currency", "CLP",
         "--source", "mercadolibre", "--set", "mercadolibre.seller_id=98765432",
         "--set", "mercadolibre.client_id=4455",
         "--set", "mercadolibre.start_date=2025-01-01"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    added = load_tenants(tenants_file)[-1]
    assert sorted(added.sources) == ["mercadolibre_ads", "shopify"]
    for source in added.sources.values():
        assert source.tap == "mercadolibre"
        assert source.secrets == {
            "client_secret": "MERCADOLIBRE_CLIENT_SECRET_TIENDA_MELI_CL",
            "refresh_token": "MERCADOLIBRE_REFRESH_TOKEN_TIENDA_MELI_CL",
        }
