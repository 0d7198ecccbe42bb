"""Bad tenants files, through `cerebro tenants` (which only loads and lists them) and, for a
few, `cerebro run`, which must refuse them before any work: one line naming the key path."""

from __future__ import annotations

from pathlib import Path

from tests.platform.bad_inputs.bad_input_catalogue import Case

#: A valid tenants file; each case breaks one thing in it.
VALID = """\
tenants:
  - tenant_id: tienda_cl
    name: Tienda
    timezone: America/Santiago
    currency: CLP
    country_code: CL
    demo: {profile: cl_services, end_date: 2026-10-31}
    sources:
      shopify: {tap: demo}
      meta_ads: {tap: demo}
"""
TENANTS = ("tenants", "--tenants-file", "{dir}/tenants.yml")
RUN = ("run", "--tenants-file", "{dir}/tenants.yml", "--data-dir", "{dir}/data")
FILE = r"tenants\.yml: "


def _changed(old: str, new: str) -> dict[str, str]:
    assert old in VALID, old
    return {"tenants.yml": VALID.replace(old, new)}


def _nothing_started(folder: Path, output: str) -> None:
    assert not (folder / "data").exists(), f"the run started work before refusing:\n{output}"


def _tenants_case(name: str, message: str, files: dict[str, str]) -> Case:
    return Case(f"tenants: {name}", "error", TENANTS, message=FILE + message, files=files)


CASES = [
    _tenants_case(
        "invalid YAML (an unclosed bracket)",
        r"line \d+, column \d+: not valid YAML: .*expected ',' or '\}'",
        _changed("{tap: demo}\n      meta_ads", "{tap: demo\n      meta_ads"),
    ),
    _tenants_case(
        "indented with a tab",
        r"line 8, column 1: not valid YAML: .*indent with spaces, not tabs",
        _changed("    sources:", "\tsources:"),
    ),
    _tenants_case(
        "a key written twice",
        r"line 4, column 5: not valid YAML: the key 'name' appears twice",
        _changed("    name: Tienda\n", "    name: Tienda\n    name: Tienda Chile\n"),
    ),
    _tenants_case(
        "tenants written as their ids",
        r"tenants\[0\]: expected a tenant \(a mapping .*\), got 'tienda_cl'$",
        {"tenants.yml": "tenants:\n  - tienda_cl\n  - tienda_pe\n"},
    ),
    _tenants_case(
        "empty file",
        r"the file is empty; it needs a 'tenants:' list",
        {"tenants.yml": "# tenants go here\n"},
    ),
    _tenants_case(
        "tenants list misspelled",
        r"tenant: unknown key \(did you mean 'tenants'\?\)",
        _changed("tenants:\n", "tenant:\n"),
    ),
    _tenants_case(
        "missing tenant_id",
        r"tenants\[0\]: 'tenant_id' is required",
        _changed("  - tenant_id: tienda_cl\n    name", "  - name"),
    ),
    _tenants_case(
        "two tenants with one id",
        r"tenants\[1\]\.tenant_id: duplicated tenant_id 'tienda_cl' \(also tenants\[0\]\)",
        {"tenants.yml": VALID + VALID.removeprefix("tenants:\n")},
    ),
    _tenants_case(
        "misspelt key",
        r"tenants\[0\]\.curency: unknown key \(did you mean 'currency'\?\); known keys: ",
        _changed("currency: CLP", "curency: CLP"),
    ),
    _tenants_case(
        "static pages' contact data as a word",
        r"tenants\[0\]\.static_pages\.contact_data: expected true or false, got 'si'$",
        _changed("    sources:", "    static_pages: {contact_data: si}\n    sources:"),
    ),
    _tenants_case(
        "currency XYZ",
        r"tenants\[0\]\.currency: 'XYZ' is not an ISO 4217 currency code",
        _changed("currency: CLP", "currency: XYZ"),
    ),
    _tenants_case(
        "currency as a name",
        r"tenants\[0\]\.currency: 'pesos' is not an ISO 4217 currency code \(e\.g\. CLP",
        _changed("currency: CLP", "currency: pesos"),
    ),
    _tenants_case(
        "time zone not in the tz database",
        r"tenants\[0\]\.timezone: unknown timezone 'Chile/Santiago' "
        r"\(did you mean 'America/Santiago'\?\)",
        _changed("America/Santiago", "Chile/Santiago"),
    ),
    _tenants_case(
        "country code NO read as a boolean",
        r"tenants\[0\]\.country_code: got false; quote the text",
        _changed("country_code: CL", "country_code: NO"),
    ),
    _tenants_case(
        "token under settings",
        r"tenants\[0\]\.sources\.shopify\.settings\.access_token: a credential does not "
        r"belong in the tenants file .* move the key under secrets:",
        _changed(
            "shopify: {tap: demo}",
            "shopify: {tap: shopify, settings: {shop: tienda, access_token: shpat_9f2c}}",
        ),
    ),
    _tenants_case(
        "client secret nested in settings",
        r"tenants\[0\]\.sources\.search_console\.settings\.oauth\.client_secret: a credential",
        _changed(
            "meta_ads: {tap: demo}",
            "search_console:\n        tap: search_console\n"
            "        settings: {site_urls: [x], oauth: {client_secret: GOCSPX-1}}",
        ),
    ),
    _tenants_case(
        "secrets as a list",
        r"tenants\[0\]\.sources\.shopify\.secrets: expected a mapping of tap setting to "
        r"environment variable name \(e\.g\. \{access_token: SHOP_TOKEN\}\), got a list",
        _changed(
            "shopify: {tap: demo}",
            "shopify: {tap: shopify, settings: {shop: tienda}, secrets: [SHOP_TOKEN]}",
        ),
    ),
    _tenants_case(
        "a secret's value instead of its variable's name",
        r"tenants\[0\]\.sources\.shopify\.secrets\.access_token: must name an environment "
        r"variable .*never hold the secret",
        _changed(
            "shopify: {tap: demo}",
            "shopify: {tap: shopify, settings: {shop: tienda}, secrets: {access_token: shpat_9f}}",
        ),
    ),
    _tenants_case(
        "unknown tap",
        r"tenants\[0\]\.sources\.meta_ads\.tap: unknown tap 'facebook'; "
        r"known: amazon_ads, calendar, csv, demo",
        _changed("meta_ads: {tap: demo}", "meta_ads: {tap: facebook}"),
    ),
    _tenants_case(
        "unknown source",
        r"tenants\[0\]\.sources\.tiktok: unknown source 'tiktok' "
        r"\(did you mean 'tiktok_ads'\?\); known: ",
        _changed("meta_ads: {tap: demo}", "tiktok: {tap: demo}"),
    ),
    _tenants_case(
        "demo profile misspelt",
        r"tenants\[0\]\.demo\.profile: unknown demo profile 'cl_service' "
        r"\(did you mean 'cl_services'\?\)",
        _changed("profile: cl_services", "profile: cl_service"),
    ),
    _tenants_case(
        "demo end date not a day",
        r"line 7, column \d+: not valid YAML: '2026-02-30' is not a valid date",
        _changed("2026-10-31", "2026-02-30"),
    ),
    _tenants_case(
        "demo tap without a demo block",
        r"tenants\[0\]: sources use the demo tap but there is no 'demo:' block",
        _changed("    demo: {profile: cl_services, end_date: 2026-10-31}\n", ""),
    ),
    Case(
        "tenants: file not found",
        "error",
        TENANTS,
        message=r"tenants file not found: .*tenants\.yml \(set CEREBRO_TENANTS_FILE\)",
    ),
    Case(
        "tenants: anchors and unquoted dates are fine",
        "handled",
        TENANTS,
        message=r"(?s)tienda_cl: Tienda · America/Santiago · CLP · shopify \(demo\), meta_ads "
        r"\(demo\).*tienda_pe: Tienda Perú · America/Lima · PEN",
        files=_changed(
            "    sources:\n      shopify: {tap: demo}\n      meta_ads: {tap: demo}\n",
            "    sources: &demo_sources\n      shopify: {tap: demo}\n      meta_ads: {tap: demo}\n"
            "  - {tenant_id: tienda_pe, name: Tienda Perú, timezone: America/Lima,"
            " currency: PEN, country_code: PE, demo: {profile: pe_services},"
            " sources: *demo_sources}\n",
        ),
    ),
    Case(
        "run: currency XYZ refused before any work",
        "error",
        RUN,
        message=FILE + r"tenants\[0\]\.currency: 'XYZ' is not an ISO 4217 currency code",
        files=_changed("currency: CLP", "currency: XYZ"),
        check=_nothing_started,
    ),
    Case(
        "run: token under settings refused before any work",
        "error",
        RUN,
        message=FILE
        + r"tenants\[0\]\.sources\.shopify\.settings\.access_token: a credential does not belong",
        files=_changed(
            "shopify: {tap: demo}",
            "shopify: {tap: shopify, settings: {shop: tienda, access_token: shpat_9f2c}}",
        ),
        check=_nothing_started,
    ),
    # A new store whose token was never exported: refused before the seeds, not after them and
    # the landing's retries (issue 57).
    Case(
        "run: a source's secret not set, refused before any work",
        "error",
        RUN,
        message=r"tenant tienda_cl: meta_ads needs access_token from the environment variable "
        r"CEREBRO_TEST_UNSET_META, which is not set: export it, or set it in the secrets file",
        files=_changed(
            "meta_ads: {tap: demo}",
            "meta_ads: {tap: meta_ads, settings: {account_ids: [act_1029384756]},"
            " secrets: {access_token: CEREBRO_TEST_UNSET_META}}",
        ),
        check=_nothing_started,
    ),
    Case(
        "run: two sources' secrets not set, both named in one line",
        "error",
        RUN,
        message=r"2 environment variables the tenants file names for source credentials not "
        r"set: CEREBRO_TEST_UNSET_META, CEREBRO_TEST_UNSET_SHOP \(tienda_cl/shopify, "
        r"tienda_cl/meta_ads\): export them, or set them in the secrets file",
        files=_changed(
            "      shopify: {tap: demo}\n      meta_ads: {tap: demo}\n",
            "      shopify: {tap: shopify, settings: {shop: tienda},"
            " secrets: {access_token: CEREBRO_TEST_UNSET_SHOP}}\n"
            "      meta_ads: {tap: meta_ads, settings: {account_ids: [act_1029384756]},"
            " secrets: {access_token: CEREBRO_TEST_UNSET_META}}\n",
        ),
        check=_nothing_started,
    ),
]
