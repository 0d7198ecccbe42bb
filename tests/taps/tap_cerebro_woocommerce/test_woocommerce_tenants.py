"""A tenant names the WooCommerce tap under the store's source (``shopify``), the source whose
streams it lands, with its keys' environment variables; ``cerebro tenants add --source
woocommerce`` writes that entry, and a WooCommerce tap named anywhere else is refused in one line.

Oracles: the README's tenants-file snippet, the raw contract (the store's source), the
secrets' naming rule (``<TAP>_<SETTING>_<TENANT>``) and the tap's own settings schema.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from tap_cerebro_woocommerce.tap import TapCerebroWooCommerce

from cerebro.cli.main import main
from cerebro.landing.taps import tap_invocation
from cerebro.settings import PROJECT_ROOT
from cerebro.tenants import TenantConfigError, load_tenants

ENTRY = """
tenants:
  - tenant_id: mitienda_cl
    name: Mi Tienda
    timezone: America/Santiago
    currency: CLP
    country_code: CL
    sources:
      {source}:
        tap: woocommerce
        settings: {{store_url: "https://mitienda.cl", start_date: "2025-01-01T00:00:00Z"}}
        secrets: {{consumer_key: WOOCOMMERCE_CONSUMER_KEY_MITIENDA_CL,
                   consumer_secret: WOOCOMMERCE_CONSUMER_SECRET_MITIENDA_CL}}
"""


def test_a_tenant_names_woocommerce_under_the_store_source_with_its_keys_from_the_environment(
    tmp_path, monkeypatch
):
    tenants_file = tmp_path / "tenants.yml"
    tenants_file.write_text(ENTRY.format(source="shopify"), encoding="utf-8")
    (tenant,) = load_tenants(tenants_file)
    monkeypatch.setenv("WOOCOMMERCE_CONSUMER_KEY_MITIENDA_CL", "ck_from_env")
    monkeypatch.setenv("WOOCOMMERCE_CONSUMER_SECRET_MITIENDA_CL", "cs_from_env")
    command, config = tap_invocation(tenant, tenant.sources["shopify"], tmp_path)
    assert Path(command[0]).name == "tap-cerebro-woocommerce"
    assert config == {
        "tenant_id": "mitienda_cl",
        "store_url": "https://mitienda.cl",
        "start_date": "2025-01-01T00:00:00Z",
        "consumer_key": "ck_from_env",
        "consumer_secret": "cs_from_env",
    }
    TapCerebroWooCommerce(config=config, parse_env_config=False)  # the settings validate


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("woocommerce", r"woocommerce is a store's tap.*write it as shopify: \{tap: woocommerce\}"),
        ("meta_ads", r"tap: woocommerce lands the store's orders and customers, under shopify"),
    ],
)
def test_the_tap_anywhere_else_is_refused_naming_where_it_goes(tmp_path, source, message):
    tenants_file = tmp_path / "tenants.yml"
    tenants_file.write_text(ENTRY.format(source=source), encoding="utf-8")
    with pytest.raises(TenantConfigError, match=message):
        load_tenants(tenants_file)


@pytest.fixture
def tenants_file(tmp_path):
    path = tmp_path / "tenants.yml"
    path.write_bytes((PROJECT_ROOT / "cerebro" / "tenants.yml").read_bytes())
    return path


def _add(tenants_file, *args):
    return CliRunner().invoke(
        main,
        ["tenants", "--tenants-file", str(tenants_file), "add", "mitienda_cl", "--name",
         "Mi Tienda", "--country", "CL", "--timezone", "America/Santiago", "--currency", "CLP",
         *args],
    )  # fmt: skip


def test_tenants_add_lands_a_woocommerce_store_as_the_store_and_names_its_secrets(tenants_file):
    result = _add(tenants_file, "--source", "woocommerce", "--source", "meta_ads",
                  "--set", "woocommerce.store_url=https://mitienda.cl",
                  "--set", "meta_ads.account_ids=[act_1]",
                  "--set", "meta_ads.start_date=2025-01-01")  # fmt: skip
    assert result.exit_code == 0, result.output
    added = load_tenants(tenants_file)[-1]
    store = added.sources["shopify"]
    assert (store.tap, store.settings) == ("woocommerce", {"store_url": "https://mitienda.cl"})
    assert store.secrets == {
        "consumer_key": "WOOCOMMERCE_CONSUMER_KEY_MITIENDA_CL",
        "consumer_secret": "WOOCOMMERCE_CONSUMER_SECRET_MITIENDA_CL",
    }
    assert "  WOOCOMMERCE_CONSUMER_SECRET_MITIENDA_CL  (shopify consumer_secret)" in result.output


def test_tenants_add_refuses_two_taps_for_the_one_store(tenants_file):
    before = tenants_file.read_bytes()
    result = _add(tenants_file, "--source", "shopify", "--source", "woocommerce",
                  "--set", "shopify.shop=mitienda",
                  "--set", "woocommerce.store_url=https://mitienda.cl")  # fmt: skip
    assert result.exit_code != 0
    assert "shopify and woocommerce both land the shopify source" in result.output
    assert tenants_file.read_bytes() == before
