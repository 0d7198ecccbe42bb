"""The tenants file: what a valid one gives, and the clear errors for broken ones."""

from __future__ import annotations

import pytest

from cerebro.landing.taps import demo_settings
from cerebro.settings import PROJECT_ROOT
from cerebro.tenants import TenantConfigError, load_tenants, tenants_frame
from tests.support.demo_platform import DEMO_TENANTS

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


def load_changed(tmp_path, old, new):
    assert old in VALID
    return load_tenants(write(tmp_path, VALID.replace(old, new)))


@pytest.mark.parametrize(
    "change, message",
    [
        (("currency: CLP", "currency: XYZ"), "'XYZ' is not an ISO 4217 currency code"),
        (("currency: CLP", "currency: clp"), "did you mean 'CLP'"),
        (("America/Santiago", "America/Santigo"), "did you mean 'America/Santiago'"),
        (("    name: Tienda", "    nmae: Tienda"), r"tenants\[0\]\.nmae: unknown key \(did you"),
        (("country_code: CL", "country_code: NO"), "country_code: got false; quote"),
        (("country_code: CL", "country_code: Chile"), "ISO 3166"),
        (("tap: demo}", "tap: shopfy}"), r"shopify\.tap: unknown tap 'shopfy' \(did you mean"),
        (("{profile: cl_services}", "{profile: cl_services, seed: -1}"), r"demo\.seed: .*>= 0"),
        (("{profile: cl_services}", "{profile: cl_services, end_date: 2026-12}"), "YYYY-MM-DD"),
        (
            ("{profile: cl_services}", "{profile: cl_services, end_date: 2026-13-01}"),
            "line 8, column 44",
        ),
        (("{profile: cl_services}", "{profile: cl_services, days: 30}"), r"demo\.days: unknown"),
        (("{profile: cl_services}", "[cl_services]"), r"demo: expected a mapping"),
        (("shopify: {tap: demo}", "shopify: [demo]"), r"sources\.shopify: expected a mapping"),
        (("tap: demo}", "tap: demo, settings: {x: 1}}"), "demo tap takes no settings"),
        (("    sources:\n", "    clv: {vip: 1}\n    sources:\n"), r"clv: unknown CLV"),
        (("    sources:\n", "    mmm: 200\n    sources:\n"), r"mmm: expected a mapping"),
        # A demo account billed in another currency (decision 0061): a demo ad source, in the
        # currency the profile has rates for, with the rates landed.
        (
            ("{profile: cl_services}", "{profile: cl_services, billed_in: {meta_ads: USD}}"),
            r"demo\.billed_in: meta_ads in USD needs the rates .* exchange_rates: \{tap: demo\}",
        ),
        (
            ("{profile: cl_services}", "{profile: cl_services, billed_in: {meta_ads: EUR}}"),
            r"demo\.billed_in\.meta_ads: the demo profile cl_services has exchange rates for USD",
        ),
        (
            ("{profile: cl_services}", "{profile: pe_services, billed_in: {meta_ads: USD}}"),
            r"profile pe_services has exchange rates for no currency",
        ),
        (
            ("{profile: cl_services}", "{profile: cl_services, billed_in: {shopify: USD}}"),
            r"demo\.billed_in: unknown ad source of the demo 'shopify'",
        ),
        (
            ("{profile: cl_services}", "{profile: cl_services, store: woocomerce}"),
            r"demo\.store: unknown store platform of the demo 'woocomerce' \(did you mean "
            r"'woocommerce'\?\); known: shopify, woocommerce",
        ),
    ],
)
def test_schema_errors_name_the_key_path_and_what_to_write(tmp_path, change, message):
    with pytest.raises(TenantConfigError, match=message) as error:
        load_changed(tmp_path, *change)
    assert "\n" not in str(error.value)
    assert str(error.value).startswith(f"{tmp_path / 'tenants.yml'}: ")


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "the file is empty"),
        ("- tienda_cl\n", "top level: expected a mapping"),
        ("tenant:\n  - tenant_id: x\n", r"tenant: unknown key \(did you mean 'tenants'\?\)"),
        ("tenants: tienda_cl\n", "tenants: expected a list of tenants, got 'tienda_cl'"),
        ("tenants: []\n", r"tenants: the list is empty; add a store \(`cerebro tenants add`\)"),
        ("tenants:\n", r"tenants: the list is empty"),
        ("tenants:\n  - tienda_cl\n", r"tenants\[0\]: expected a tenant .*got 'tienda_cl'"),
        ("tenants: [\n", "line 2, column 1: not valid YAML"),
        ("tenants:\n\t- tenant_id: x\n", r"line 2, column 1: .*indent with spaces, not tabs"),
        ("tenants:\n  - {name: a, name: b}\n", "the key 'name' appears twice"),
    ],
)
def test_a_file_that_is_not_a_list_of_tenants_says_so_in_one_line(tmp_path, text, message):
    with pytest.raises(TenantConfigError, match=message) as error:
        load_tenants(write(tmp_path, text))
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    "settings",
    [
        "{access_token: shpat_123}",
        "{client_secret: abc}",
        "{refreshToken: abc}",
        "{developer_token: abc}",
        "{api_key: abc}",
        "{password: hunter2}",
        "{files: {orders: [{path: a.csv, api-key: abc}]}}",
    ],
)
def test_a_credential_under_settings_is_refused_and_sent_to_secrets(tmp_path, settings):
    with pytest.raises(TenantConfigError, match="move the key under secrets:"):
        load_changed(
            tmp_path, "shopify: {tap: demo}", f"shopify: {{tap: csv, settings: {settings}}}"
        )


def test_ordinary_tap_settings_and_secrets_by_variable_name_are_accepted(tmp_path):
    (tenant,) = load_changed(
        tmp_path,
        "shopify: {tap: demo}",
        "shopify: {tap: shopify, settings: {shop: tienda, api_version: '2026-10', page_size: 50},"
        " secrets: {access_token: SHOP_TOKEN_TIENDA}}",
    )
    source = tenant.sources["shopify"]
    assert source.settings == {"shop": "tienda", "api_version": "2026-10", "page_size": 50}
    assert source.secrets == {"access_token": "SHOP_TOKEN_TIENDA"}


def test_secrets_must_be_a_mapping_of_variable_names(tmp_path):
    with pytest.raises(TenantConfigError, match=r"secrets: expected a mapping of tap setting"):
        load_changed(
            tmp_path, "shopify: {tap: demo}", "shopify: {tap: shopify, secrets: [SHOP_TOKEN]}"
        )


def test_a_demo_account_billed_in_dollars_with_its_rates_landed_is_accepted(tmp_path):
    text = VALID.replace(
        "{profile: cl_services}", "{profile: cl_services, billed_in: {meta_ads: USD}}"
    ).replace(
        "      shopify: {tap: demo}\n",
        "      shopify: {tap: demo}\n      exchange_rates: {tap: demo}\n",
    )
    (tenant,) = load_tenants(write(tmp_path, text))
    assert tenant.demo.billed_in == {"meta_ads": "USD"}


def test_a_demo_store_on_woocommerce_is_run_by_the_demo_tap_as_such(tmp_path):
    (shopify,) = load_tenants(write(tmp_path, VALID))
    (tenant,) = load_changed(
        tmp_path, "{profile: cl_services}", "{profile: cl_services, store: woocommerce}"
    )
    assert (shopify.demo.store, tenant.demo.store) == ("shopify", "woocommerce")
    assert demo_settings(tenant, tmp_path)["store_platform"] == "woocommerce"


def test_demo_end_date_may_be_written_as_a_yaml_date_or_as_text(tmp_path):
    for written in ("2026-10-31", '"2026-10-31"'):
        (tenant,) = load_changed(
            tmp_path, "{profile: cl_services}", f"{{profile: cl_services, end_date: {written}}}"
        )
        assert tenant.demo.end_date == "2026-10-31"


def test_the_test_suites_demo_tenants_file_is_valid(demo_root):
    """tests/conftest.py's DEMO_TENANTS_YAML, which the session's demo runs load."""
    tenants = load_tenants(demo_root / "tenants.yml")
    assert [t.tenant_id for t in tenants] == list(DEMO_TENANTS)


def test_a_file_read_again_is_parsed_once_and_an_edit_is_seen_at_once(tmp_path, monkeypatch):
    """One `cerebro run` loads the tenants file in every step; only a changed text is parsed."""
    from cerebro import tenants as module

    parses = []
    parse = module._tenants
    monkeypatch.setattr(module, "_tenants", lambda document: parses.append(1) or parse(document))
    module._parsed_tenants.cache_clear()
    path = write(tmp_path, VALID.replace("name: Tienda", "name: Tienda Uno"))
    first, again = load_tenants(path), load_tenants(path)
    assert first == again and len(parses) == 1
    assert first is not again  # each caller gets its own list

    path.write_text(VALID.replace("name: Tienda", "name: Tienda Dos"))
    assert load_tenants(path)[0].name == "Tienda Dos" and len(parses) == 2

    path.write_text(VALID.replace("tenant_id: tienda_cl", "tenant_id: Tienda CL"))
    with pytest.raises(TenantConfigError, match=r"tenants\.yml: tenants\[0\]\.tenant_id"):
        load_tenants(path)
    with pytest.raises(TenantConfigError):  # a refused text is refused again, not cached
        load_tenants(path)
