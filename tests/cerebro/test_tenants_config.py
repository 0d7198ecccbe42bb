"""The tenants file: what a valid one gives, and the clear errors for broken ones."""

from __future__ import annotations

import pytest

from cerebro.settings import PROJECT_ROOT
from cerebro.tenants import TenantConfigError, load_tenants, tenants_frame

VALID = """
tenants:
  - tenant_id: tienda_cl
    name: Tienda
    timezone: America/Santiago
    currency: CLP
    country_code: CL
    demo: {profile: cl_services}
    sources:
      shopify: {tap: demo}
"""


def write(tmp_path, text):
    path = tmp_path / "tenants.yml"
    path.write_text(text)
    return path


def test_shipped_tenants_file_is_valid_and_has_two_currencies_and_timezones():
    tenants = load_tenants(PROJECT_ROOT / "cerebro" / "tenants.yml")
    assert len({t.currency for t in tenants}) == 2
    assert len({t.timezone for t in tenants}) == 2
    frame = tenants_frame(tenants)
    assert list(frame.columns) == [
        "tenant_id",
        "tenant_name",
        "timezone",
        "currency",
        "country_code",
    ]


def test_valid_file_parses_sources_and_demo_settings(tmp_path):
    (tenant,) = load_tenants(write(tmp_path, VALID))
    assert tenant.tenant_id == "tienda_cl"
    assert tenant.sources["shopify"].is_demo
    assert tenant.demo.profile == "cl_services"


@pytest.mark.parametrize(
    "change, message",
    [
        (("America/Santiago", "America/Santiagoo"), "unknown timezone"),
        (("currency: CLP", "currency: pesos"), "ISO 4217"),
        (("tenant_id: tienda_cl", "tenant_id: Tienda CL"), "lowercase"),
        (("shopify: {tap: demo}", "tiktok: {tap: demo}"), "unknown source"),
        (("    demo: {profile: cl_services}\n", ""), "no 'demo:' block"),
        (("    name: Tienda\n", ""), "'name' is required"),
    ],
)
def test_broken_file_fails_with_a_message_that_says_what_to_fix(tmp_path, change, message):
    old, new = change
    with pytest.raises(TenantConfigError, match=message):
        load_tenants(write(tmp_path, VALID.replace(old, new)))


def test_duplicated_tenant_ids_are_rejected(tmp_path):
    body = VALID.split("tenants:\n")[1]
    with pytest.raises(TenantConfigError, match="duplicated tenant_id"):
        load_tenants(write(tmp_path, "tenants:\n" + body + body))


def test_a_secret_value_instead_of_an_env_var_name_is_rejected(tmp_path):
    text = VALID.replace(
        "shopify: {tap: demo}", "shopify: {tap: demo, secrets: {access_token: shpat_123abc}}"
    )
    with pytest.raises(TenantConfigError, match="must name an environment variable"):
        load_tenants(write(tmp_path, text))


def test_missing_file_says_which_variable_points_to_it(tmp_path):
    with pytest.raises(TenantConfigError, match="CEREBRO_TENANTS_FILE"):
        load_tenants(tmp_path / "nope.yml")
