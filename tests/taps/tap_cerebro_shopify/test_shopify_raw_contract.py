"""The Shopify tap lands exactly the raw contract's Shopify streams (docs/decisions/0002),
and a tenant can name it in the tenants file.

Oracles: the raw contract (cerebro_raw_contract) and the tenants-file format.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cerebro_raw_contract import STREAMS_BY_SOURCE, raw_stream
from tap_cerebro_shopify.tap import TapCerebroShopify

from cerebro.landing.taps import tap_invocation
from cerebro.tenants import load_tenants

CONFIG = {"tenant_id": "t", "shop": "tienda", "access_token": "shpat_x"}


def test_streams_have_the_contract_names_schemas_keys_and_replication_keys():
    tap = TapCerebroShopify(config=CONFIG, parse_env_config=False)
    assert set(tap.streams) == set(STREAMS_BY_SOURCE["shopify"])
    for name, stream in tap.streams.items():
        contract = raw_stream("shopify", name)
        assert stream.schema == contract.schema(), name
        assert tuple(stream.primary_keys) == contract.primary_keys, name
        assert stream.replication_key == contract.replication_key, name


def test_children_hang_off_orders():
    tap = TapCerebroShopify(config=CONFIG, parse_env_config=False)
    children = {s.name for s in tap.streams["orders"].child_streams}
    assert children == {"order_lines", "transactions", "refunds", "fulfillments"}


def test_access_token_is_a_secret_and_every_setting_is_described():
    properties = TapCerebroShopify.config_jsonschema["properties"]
    assert properties["access_token"].get("secret") is True
    assert properties["page_size"]["maximum"] == 250
    assert all(p.get("description") for p in properties.values())


def test_a_tenant_names_the_tap_with_settings_and_a_secret_env_var(tmp_path, monkeypatch):
    tenants_file = tmp_path / "tenants.yml"
    tenants_file.write_text(
        """
tenants:
  - tenant_id: tienda_cl
    name: Tienda
    timezone: America/Santiago
    currency: CLP
    country_code: CL
    sources:
      shopify:
        tap: shopify
        settings: {shop: tienda-cl, api_version: "2026-10"}
        secrets: {access_token: SHOP_TOKEN_TIENDA_CL}
""",
        encoding="utf-8",
    )
    (tenant,) = load_tenants(tenants_file)
    monkeypatch.setenv("SHOP_TOKEN_TIENDA_CL", "shpat_from_env")
    command, config = tap_invocation(tenant, tenant.sources["shopify"], tmp_path)
    assert Path(command[0]).name == "tap-cerebro-shopify"
    assert Path(command[0]).exists()
    assert config == {
        "tenant_id": "tienda_cl",
        "shop": "tienda-cl",
        "api_version": "2026-10",
        "access_token": "shpat_from_env",
    }
    TapCerebroShopify(config=config, parse_env_config=False)  # the settings validate


@pytest.mark.parametrize(
    ("shop", "url"),
    [
        ("tienda-cl", "https://tienda-cl.myshopify.com/admin/api/2026-10/graphql.json"),
        (
            "https://tienda-cl.myshopify.com/",
            "https://tienda-cl.myshopify.com/admin/api/2026-10/graphql.json",
        ),
    ],
)
def test_endpoint_is_the_stores_versioned_graphql_url(shop, url):
    tap = TapCerebroShopify(config={**CONFIG, "shop": shop}, parse_env_config=False)
    assert tap.streams["orders"].get_url(None) == url
