"""The tenants file's ``destinations:`` and ``activations:`` blocks: what a valid one gives and
the one-line errors for broken ones (the same checks as ``sources:``)."""

from __future__ import annotations

import pytest

from cerebro.actions.activation.registry import DESTINATIONS, destination_class
from cerebro.settings import PROJECT_ROOT
from cerebro.tenants import ActivationConfig, DestinationConfig, TenantConfigError, load_tenants

HEAD = """
tenants:
  - tenant_id: tienda_cl
    name: Tienda
    timezone: America/Santiago
    currency: CLP
    country_code: CL
    demo: {profile: cl_services}
    sources: {shopify: {tap: demo}}
"""
KLAVIYO = """    destinations:
      klaviyo: {settings: {list_prefix: "Cerebro "}, secrets: {api_key: KLAVIYO_KEY_CL}}
"""


def load(tmp_path, text):
    path = tmp_path / "tenants.yml"
    path.write_text(HEAD + text, encoding="utf-8")
    return load_tenants(path)


def test_destinations_and_activations_are_read_with_a_default_control_share(tmp_path):
    (tenant,) = load(
        tmp_path,
        KLAVIYO
        + """    activations:
      - {segment: "Frecuentes alejados", destination: klaviyo}
      - {segment: "ALTO RIESGO - VIP", destination: klaviyo, control_share: 0.2}
""",
    )
    assert tenant.destinations == {
        "klaviyo": DestinationConfig(
            "klaviyo", {"list_prefix": "Cerebro "}, {"api_key": "KLAVIYO_KEY_CL"}
        )
    }
    assert tenant.activations == (
        ActivationConfig("Frecuentes alejados", "klaviyo", 0.10),
        ActivationConfig("ALTO RIESGO - VIP", "klaviyo", 0.2),
    )


def test_a_tenant_without_the_blocks_has_none(tmp_path):
    (tenant,) = load(tmp_path, "")
    assert tenant.destinations == {} and tenant.activations == ()


def test_the_shipped_demo_configures_every_activation_on_a_configured_destination():
    tenants = load_tenants(PROJECT_ROOT / "cerebro" / "tenants.yml")
    demo = next(t for t in tenants if t.activations)
    assert {a.destination for a in demo.activations} <= set(demo.destinations)
    for config in demo.destinations.values():
        assert all(
            str(v).endswith(".invalid") for k, v in config.settings.items() if k == "base_url"
        )


@pytest.mark.parametrize("name", sorted(DESTINATIONS))
def test_every_registered_destination_has_a_client_of_that_name(name):
    client = destination_class(name)
    assert client.name == name and client.consent in ("email", "sms")
    assert isinstance(client.one_shot, bool)


@pytest.mark.parametrize(
    "block, message",
    [
        ("    destinations:\n      klavio: {}\n",
         r"tenants\[0\]\.destinations\.klavio: unknown destination 'klavio' \(did you mean "
         r"'klaviyo'\?\); known: google_customer_match, klaviyo, "),
        ("    destinations:\n      klaviyo: {settings: {api_key: pk_live_1}}\n",
         r"destinations\.klaviyo\.settings\.api_key: a credential does not belong in the "
         r"tenants file .* secrets: \{api_key: API_KEY\}"),
        ("    destinations:\n      klaviyo: {secrets: {api_key: pk_live_1}}\n",
         r"destinations\.klaviyo\.secrets\.api_key: must name an environment variable"),
        ("    destinations:\n      klaviyo: {secret: {api_key: K}}\n",
         r"destinations\.klaviyo\.secret: unknown key \(did you mean 'secrets'\?\)"),
        (KLAVIYO + "    activations:\n"
         "      - {segment: Frecuentes alejados, destination: whatsapp}\n",
         r"activations\[0\]\.destination: 'whatsapp' is not one of this tenant's destinations "
         r"\(configured: klaviyo\); configure it under destinations: first"),
        (KLAVIYO + "    activations:\n"
         "      - {segment: Frecuentes alejados, destination: klaviyo, control_share: 10}\n",
         r"activations\[0\]\.control_share: expected a share from 0 to below 1 \(0\.1 holds "
         r"out 10 %\), got 10"),
        (KLAVIYO + "    activations:\n"
         "      - {segment: Frecuentes alejados, destination: klaviyo}\n"
         "      - {segment: Frecuentes alejados, destination: klaviyo}\n",
         r"activations\[1\]: 'Frecuentes alejados' to klaviyo is also "
         r"tenants\[0\]\.activations\[0\]"),
        (KLAVIYO + "    activations: {segment: Frecuentes alejados, destination: klaviyo}\n",
         r"activations: expected a list of \{segment: \.\.\., destination: \.\.\.\}"),
        (KLAVIYO + "    activations:\n      - {destination: klaviyo}\n",
         r"activations\[0\]: 'segment' is required"),
        # A segment named as before decision 0047: its new name, in Spanish, in one line.
        (KLAVIYO + "    activations:\n      - {segment: En riesgo, destination: klaviyo}\n",
         r"tenants\[0\]\.activations\[0\]\.segment: el segmento RFM «En riesgo» ahora se "
         r"llama «Frecuentes alejados»; los clientes en riesgo del modelo son «ALTO RIESGO - "
         r"VIP» y «CLIENTE PERDIDO» \(decisión 0047\)"),
        (KLAVIYO + "    activations:\n      - {segment: leales, destination: klaviyo}\n",
         r"activations\[0\]\.segment: el segmento RFM «Leales» ahora se llama «Habituales»; "
         r"los clientes leales del modelo son «CLIENTE LEAL»"),
        # A segment no tenant has: the close one, and every RFM and churn-risk name.
        (KLAVIYO + "    activations:\n      - {segment: Prometedor, destination: klaviyo}\n",
         r"activations\[0\]\.segment: unknown segment 'Prometedor' \(did you mean "
         r"'Prometedores'\?\); RFM segments: Campeones, .*, Prometedores; churn-risk segments: "
         r"ALTO RIESGO - VIP, CLIENTE PERDIDO, POTENCIAL BALLENA, CLIENTE LEAL, ESTÁNDAR$"),
        ("    destinations:\n      klaviyo: {settings: {list_prefx: C}}\n",
         r"destinations\.klaviyo\.settings\.list_prefx: unknown key \(did you mean "
         r"'list_prefix'\?\); known keys: base_url, list_prefix, revision$"),
        ("    destinations:\n      klaviyo: {settings: {base_url: a.klaviyo.com}}\n",
         r"destinations\.klaviyo\.settings\.base_url: 'a\.klaviyo\.com' is not an http\(s\) "
         r"address; write it whole, e\.g\. https://a\.klaviyo\.com$"),
    ],
)  # fmt: skip
def test_broken_blocks_are_one_line_naming_the_key(tmp_path, block, message):
    with pytest.raises(TenantConfigError, match=message) as raised:
        load(tmp_path, block)
    assert "\n" not in str(raised.value)


def test_a_settings_name_ending_in_url_is_an_address_not_a_credential(tmp_path):
    """Google's OAuth `token_url` is where a token is asked for: kept in settings."""
    (tenant,) = load(
        tmp_path,
        "    destinations:\n      google_customer_match:\n"
        "        settings: {customer_id: '123-456-7890', token_url: 'https://t.invalid/token'}\n",
    )
    assert tenant.destinations["google_customer_match"].settings["token_url"].endswith("/token")


def test_every_rfm_and_churn_risk_segment_the_warehouse_knows_is_accepted(tmp_path):
    """The tenants file's list of segments is the seed's and the model's, the same the
    warehouse builds ``marts.dim_rfm_segments`` from."""
    seed = (PROJECT_ROOT / "dbt_project" / "seeds" / "rfm_segments.csv").read_text("utf-8")
    names = sorted({line.split(",")[2] for line in seed.splitlines()[1:]})
    names += [
        "ALTO RIESGO - VIP",
        "CLIENTE PERDIDO",
        "POTENCIAL BALLENA",
        "CLIENTE LEAL",
        "ESTÁNDAR",
    ]
    entries = "".join(f'      - {{segment: "{name}", destination: klaviyo}}\n' for name in names)
    (tenant,) = load(tmp_path, KLAVIYO + "    activations:\n" + entries)
    assert [activation.segment for activation in tenant.activations] == names
