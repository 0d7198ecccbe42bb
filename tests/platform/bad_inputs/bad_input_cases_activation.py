"""`cerebro activate` and the consent of `segment export`: a segment, destination, tenant or
secret named wrongly, a warehouse not built, a tenants file with a credential in a destination's
settings, and what a dry run on the demo answers. Nothing is ever sent: the errors come before
any vendor call and the handled cases are dry runs (the session demo's destinations point at
.invalid hosts, and their secrets' variables are set nowhere)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tests.platform.bad_inputs.bad_input_catalogue import Case

#: The session's demo warehouse (tenants test_cl, test_pe and test_woo; test_cl has destinations).
DEMO = {"CEREBRO_DATA_DIR": "{data_dir}", "CEREBRO_TENANTS_FILE": "{tenants_file}"}
EXPORT = ("segment", "export", "--tenant", "test_cl", "--segment", "Frecuentes alejados", "--out",
          "{dir}/out.csv")  # fmt: skip
#: A tenants file of the case's own, read before the warehouse is opened.
OWN = {"CEREBRO_TENANTS_FILE": "{dir}/tenants.yml", "CEREBRO_DATA_DIR": "{dir}/data"}
TENANTS = """\
tenants:
  - tenant_id: test_cl
    name: Tienda
    timezone: America/Santiago
    currency: CLP
    country_code: CL
    demo: {profile: cl_services}
    sources: {shopify: {tap: demo}}
    destinations:
      klaviyo: {secrets: {api_key: CEREBRO_TEST_KLAVIYO_KEY}}
"""


def activate(segment: str, destination: str, *extra: str, tenant: str = "test_cl"):
    return ("activate", "--tenant", tenant, "--segment", segment, "--destination", destination,
            *extra)  # fmt: skip


def _only_consented(folder: Path, output: str) -> None:
    exported = pd.read_csv(folder / "out.csv", dtype=str)
    assert len(exported) > 0, output
    consented = (exported["has_email_marketing_consent"] == "True") | (
        exported["has_sms_marketing_consent"] == "True"
    )
    assert consented.all(), output
    assert exported.loc[exported["has_email_marketing_consent"] != "True", "email"].isna().all()


def _everyone(folder: Path, output: str) -> None:
    exported = pd.read_csv(folder / "out.csv", dtype=str)
    assert (exported["has_email_marketing_consent"] == "False").any(), output
    assert exported["email"].notna().all(), output


CASES = [
    Case(
        "activate: a segment spelt with another case",
        "error",
        activate("Frecuentes Alejados", "klaviyo", "--dry-run"),
        message=r"unknown segment 'Frecuentes Alejados' \(did you mean 'Frecuentes alejados'\?\); "
        r"RFM segments: "
        r".*; churn-risk segments: ALTO RIESGO - VIP, CLIENTE PERDIDO",
        env=DEMO,
        warehouse=True,
    ),
    Case(
        "activate: a destination Cerebro does not have",
        "error",
        activate("Frecuentes alejados", "mailchimp"),
        message=r"unknown destination 'mailchimp'; known: google_customer_match, klaviyo, "
        r"meta_audiences, shopify_coupons, whatsapp$",
        files={"tenants.yml": TENANTS},
        env=OWN,
    ),
    Case(
        "activate: a destination the tenant has not configured",
        "error",
        activate("Frecuentes alejados", "meta_audiences"),
        message=r"destination 'meta_audiences' is not configured for tenant test_cl "
        r"\(configured: klaviyo\); add it under the tenant's destinations:",
        files={"tenants.yml": TENANTS},
        env=OWN,
    ),
    Case(
        "activate: the secret's environment variable is not set",
        "error",
        activate("Frecuentes alejados", "klaviyo"),
        message=r"environment variable CEREBRO_TEST_KLAVIYO_KEY not set: tenant test_cl's "
        r"klaviyo destination reads its secrets from it .*; nothing was sent$",
        env=DEMO,
        warehouse=True,
    ),
    Case(
        "activate: a tenant the tenants file does not have",
        "error",
        activate("Frecuentes alejados", "klaviyo", tenant="test_ar"),
        message=r"unknown tenant 'test_ar'; .*tenants\.yml has: test_cl$",
        files={"tenants.yml": TENANTS},
        env=OWN,
    ),
    Case(
        "activate: no warehouse built yet",
        "error",
        activate("Frecuentes alejados", "klaviyo", "--dry-run"),
        message=r"no warehouse at .*cerebro\.duckdb: run `make demo` \(or `cerebro run`\) first",
        files={"tenants.yml": TENANTS},
        env=OWN,
    ),
    Case(
        "activate: a tenant added to the tenants file but not yet to the warehouse",
        "error",
        activate("Frecuentes alejados", "klaviyo", "--dry-run", tenant="nuevo_cl"),
        message=r"tenant 'nuevo_cl' is not in the warehouse yet "
        r"\(it has: test_cl, test_pe, test_woo\): run `cerebro run` after adding it",
        files={"tenants.yml": TENANTS.replace("test_cl", "nuevo_cl")},
        env={"CEREBRO_DATA_DIR": "{data_dir}", "CEREBRO_TENANTS_FILE": "{dir}/tenants.yml"},
        warehouse=True,
    ),
    Case(
        "activate: an API key written under a destination's settings",
        "error",
        activate("Frecuentes alejados", "klaviyo", "--dry-run"),
        message=r"tenants\[0\]\.destinations\.klaviyo\.settings\.api_key: a credential does not "
        r"belong in the tenants file",
        files={
            "tenants.yml": TENANTS.replace(
                "{secrets: {api_key: CEREBRO_TEST_KLAVIYO_KEY}}", "{settings: {api_key: pk_1}}"
            )
        },
        env=OWN,
    ),
    Case(
        "activate: an activation's control share written as a percentage",
        "error",
        activate("Frecuentes alejados", "klaviyo", "--dry-run"),
        message=r"tenants\[0\]\.activations\[0\]\.control_share: expected a share from 0 to "
        r"below 1 \(0\.1 holds out 10 %\), got 10",
        files={
            "tenants.yml": TENANTS
            + "    activations:\n      - {segment: Frecuentes alejados, destination: klaviyo, "
            "control_share: 10}\n"
        },
        env=OWN,
    ),
    Case(
        "activate --dry-run: a list destination on the demo",
        "handled",
        activate("Frecuentes alejados", "klaviyo", "--dry-run"),
        message=r"Dry run: test_cl · 'Frecuentes alejados' → klaviyo \(a list kept equal to the "
        r"segment, "
        r"e-mail consent\); nothing sent, nothing written\.\n  segment: \d+ customers\n  "
        r"to add: \d+\n(.|\n)*held out \(control, 10%\): \d+\n  skipped for consent \(no "
        r"e-mail consent\): \d+\n  not set: CEREBRO_TEST_KLAVIYO_KEY",
        env=DEMO,
        warehouse=True,
    ),
    Case(
        "activate --dry-run: WhatsApp to a churn-risk segment needs SMS consent",
        "handled",
        activate("ALTO RIESGO - VIP", "whatsapp", "--dry-run"),
        message=r"→ whatsapp \(one send per customer, SMS/WhatsApp consent\)(.|\n)*skipped for "
        r"consent \(no SMS/WhatsApp consent\): \d+",
        env=DEMO,
        warehouse=True,
    ),
    Case(
        "segment export: customers without consent left out",
        "handled",
        EXPORT,
        message=r"\d+ left out without e-mail or SMS marketing consent.*--include-unconsented",
        env=DEMO,
        warehouse=True,
        check=_only_consented,
    ),
    Case(
        "segment export --include-unconsented: the whole segment, consent columns shown",
        "handled",
        (*EXPORT, "--include-unconsented"),
        env=DEMO,
        warehouse=True,
        check=_everyone,
    ),
]
