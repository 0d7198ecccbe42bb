"""Tenants-file slips in activation blocks (issue 56): a segment or a destination setting
misspelt, an address without its scheme. Each was accepted with exit 0 and met (or silently
ignored) only at the first sync; they are refused when the file is loaded, with one line
naming the key path, by `cerebro tenants`, `cerebro run` (before any work) and `cerebro
activate` (before the warehouse is opened)."""

from __future__ import annotations

from pathlib import Path

from tests.platform.bad_inputs.bad_input_catalogue import Case

TENANT = """\
tenants:
  - tenant_id: tienda_cl
    name: Tienda
    timezone: America/Santiago
    currency: CLP
    country_code: CL
    demo: {profile: cl_services, end_date: 2026-10-31}
    sources: {shopify: {tap: demo}}
    destinations:
      klaviyo:
        settings: {list_prefix: "Cerebro · "}
        secrets: {api_key: TIENDA_KLAVIYO_KEY}
    activations:
      - {segment: Frecuentes alejados, destination: klaviyo}
"""
TENANTS = ("tenants", "--tenants-file", "{dir}/tenants.yml")
RUN = ("run", "--tenants-file", "{dir}/tenants.yml", "--data-dir", "{dir}/data")
ACTIVATE = ("activate", "--tenant", "tienda_cl", "--segment", "Frecuentes alejados",
            "--destination", "klaviyo", "--dry-run")  # fmt: skip
OWN = {"CEREBRO_TENANTS_FILE": "{dir}/tenants.yml", "CEREBRO_DATA_DIR": "{dir}/data"}
AT = r"tenants\.yml: tenants\[0\]\."
SEGMENTS = r"; RFM segments: Campeones, .*; churn-risk segments: ALTO RIESGO - VIP, "


def _changed(old: str, new: str) -> dict[str, str]:
    assert old in TENANT, old
    return {"tenants.yml": TENANT.replace(old, new)}


def _settings(settings: str) -> dict[str, str]:
    return _changed('{list_prefix: "Cerebro · "}', settings)


def _destination(block: str) -> dict[str, str]:
    """The klaviyo destination replaced by ``block`` (the activation then names it)."""
    start = TENANT.index("      klaviyo:")
    end = TENANT.index("    activations:")
    name = block.split(":")[0].strip()
    text = (
        TENANT[:start]
        + block
        + TENANT[end:].replace("destination: klaviyo", f"destination: {name}")
    )
    return {"tenants.yml": text}


def _nothing_started(folder: Path, output: str) -> None:
    assert not (folder / "data").exists(), f"the run started work before refusing:\n{output}"


def _slip(name: str, message: str, files: dict[str, str], args=TENANTS, **more) -> Case:
    return Case(f"tenants: {name}", "error", args, message=AT + message, files=files, **more)


CASES = [
    _slip(
        "an activation's segment misspelt (En riezgo): the retired name it is close to",
        r"activations\[0\]\.segment: unknown segment 'En riezgo' \(did you mean 'En riesgo'\? "
        r"el segmento RFM «En riesgo» ahora se llama «Frecuentes alejados»; .*\(decisión 0047\)\)"
        + SEGMENTS,
        _changed("segment: Frecuentes alejados", "segment: En riezgo"),
    ),
    _slip(
        "an activation's segment one letter short",
        r"activations\[0\]\.segment: unknown segment 'Campeone' \(did you mean 'Campeones'\?\)"
        + SEGMENTS,
        _changed("segment: Frecuentes alejados", "segment: Campeone"),
    ),
    _slip(
        "a churn-risk segment in lower case",
        r"activations\[0\]\.segment: unknown segment 'alto riesgo - vip' \(did you mean "
        r"'ALTO RIESGO - VIP'\?\)",
        _changed("segment: Frecuentes alejados", 'segment: "alto riesgo - vip"'),
    ),
    _slip(
        "an activation's segment named as before decision 0047",
        r"activations\[0\]\.segment: el segmento RFM «En riesgo» ahora se llama «Frecuentes "
        r"alejados»",
        _changed("segment: Frecuentes alejados", "segment: En riesgo"),
    ),
    _slip(
        "a destination's setting misspelt (list_prefx)",
        r"destinations\.klaviyo\.settings\.list_prefx: unknown key \(did you mean "
        r"'list_prefix'\?\); known keys: base_url, list_prefix, revision$",
        _settings('{list_prefx: "Cerebro · "}'),
    ),
    _slip(
        "a base_url without its scheme",
        r"destinations\.klaviyo\.settings\.base_url: 'a\.klaviyo\.com' is not an http\(s\) "
        r"address; write it whole, e\.g\. https://a\.klaviyo\.com$",
        _settings("{base_url: a.klaviyo.com}"),
    ),
    _slip(
        "a base_url with a misspelt scheme",
        r"destinations\.klaviyo\.settings\.base_url: 'htps://a\.klaviyo\.com' is not an "
        r"http\(s\) address",
        _settings('{base_url: "htps://a.klaviyo.com"}'),
    ),
    _slip(
        "Google's token_url without its scheme",
        r"destinations\.google_customer_match\.settings\.token_url: 'oauth2\.googleapis\.com/"
        r"token' is not an http\(s\) address",
        _destination(
            "      google_customer_match:\n"
            "        settings:\n"
            "          {customer_id: 123-456-7890, token_url: oauth2.googleapis.com/token}\n"
            "        secrets: {developer_token: T_DEV, client_id: T_ID,\n"
            "                  client_secret: T_SECRET, refresh_token: T_REFRESH}\n"
        ),
    ),
    _slip(
        "WhatsApp's template written as 'template'",
        r"destinations\.whatsapp\.settings\.template: unknown key \(did you mean "
        r"'template_name'\?\)",
        _destination(
            "      whatsapp:\n"
            "        settings: {api_version: v23.0, phone_number_id: '100000000000001',"
            " template: rescate_cliente}\n"
            "        secrets: {access_token: T_WHATSAPP}\n"
        ),
    ),
    _slip(
        "a coupon's expiry written as 'expiry'",
        r"destinations\.shopify_coupons\.settings\.expiry: unknown key \(did you mean "
        r"'expiry_days'\?\)",
        _destination(
            "      shopify_coupons:\n"
            "        settings: {shop: tienda, api_version: '2026-10', expiry: 14}\n"
            "        secrets: {access_token: T_SHOPIFY}\n"
        ),
    ),
    _slip(
        "Meta's ad account written as 'ad_account'",
        r"destinations\.meta_audiences\.settings\.ad_account: unknown key \(did you mean "
        r"'ad_account_id'\?\)",
        _destination(
            "      meta_audiences:\n"
            "        settings: {ad_account: act_1234567890}\n"
            "        secrets: {access_token: T_META}\n"
        ),
    ),
    _slip(
        "run: a destination's setting misspelt, refused before any work",
        r"destinations\.klaviyo\.settings\.list_prefx: unknown key",
        _settings('{list_prefx: "Cerebro · "}'),
        args=RUN,
        check=_nothing_started,
    ),
    _slip(
        "activate: a base_url without its scheme, refused before the warehouse is opened",
        r"destinations\.klaviyo\.settings\.base_url: 'a\.klaviyo\.com' is not an http\(s\) "
        r"address",
        _settings("{base_url: a.klaviyo.com}"),
        args=ACTIVATE,
        env=OWN,
    ),
    _slip(
        "an activation naming its destination with a capital",
        r"activations\[0\]\.destination: 'Klaviyo' is not one of this tenant's destinations "
        r"\(did you mean 'klaviyo'\?\)",
        _changed("destination: klaviyo", "destination: Klaviyo"),
    ),
]
