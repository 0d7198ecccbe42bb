"""Personal data in the marts (docs/decisions/0014). On the demo warehouse, a column whose name
says e-mail or phone, or whose values look like e-mail addresses or phone numbers, exists only
in the export marts allowed to hold contacts in clear; everywhere else customers carry
email_sha256 / phone_sha256, the SHA-256 of the normalized landed value (recomputed here with
hashlib). The detector is shown to find the clear columns staging keeps."""

from __future__ import annotations

import csv
import hashlib
import re

import pytest

from cerebro.settings import DBT_PROJECT_DIR

#: The only marts that may hold e-mail and phone in clear: the lists marketers export.
CLEAR_CONTACT_MODELS = {"mart_customer_contacts"}
#: Column names that are contact data (email, phone, customer_email, phone_number, …), not
#: flags about it (is_email_verified, email_marketing_state) nor hashes (email_sha256).
CONTACT_NAME = re.compile(
    r"^(.*_)?(e_?mail|phone|telefono|celular|mobile|whatsapp)(_(address|number))?$"
)
EMAIL_VALUE = r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}"
PHONE_VALUE = r"\+[0-9][0-9 ().-]{6,}[0-9]"
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


def normalized_email(value: str | None) -> str | None:
    return (value.strip(" ").lower() or None) if value is not None else None


def normalized_phone(value: str | None) -> str | None:
    digits = re.sub(r"[^0-9]", "", value or "")
    return f"+{digits}" if digits else None


def sha256_hex(value: str | None) -> str | None:
    return hashlib.sha256(value.encode("utf-8")).hexdigest() if value is not None else None


def contact_columns(connection, schema: str) -> set[tuple[str, str]]:
    """(table, column) of ``schema`` named like contact data or holding a value shaped like an
    e-mail address or an international phone number."""
    columns = connection.execute(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = ? order by table_name, ordinal_position",
        [schema],
    ).fetchall()
    found = {(table, column) for table, column, _ in columns if CONTACT_NAME.match(column)}
    for table, column, data_type in columns:
        if data_type.upper() not in ("VARCHAR", "TEXT") or (table, column) in found:
            continue
        (hits,) = connection.execute(
            f'select count(*) from {schema}."{table}" where regexp_full_match("{column}", ?) '
            f'or regexp_full_match("{column}", ?)',
            [EMAIL_VALUE, PHONE_VALUE],
        ).fetchone()
        if hits:
            found.add((table, column))
    return found


@pytest.fixture(scope="module")
def demo_connection(demo_duckdb):
    import duckdb

    with duckdb.connect(str(demo_duckdb.settings.duckdb_path), read_only=True) as connection:
        yield connection


def test_clear_contacts_are_only_in_the_export_marts(demo_connection):
    found = contact_columns(demo_connection, "marts")
    assert {("mart_customer_contacts", "email"), ("mart_customer_contacts", "phone")} <= found
    leaking = sorted((t, c) for t, c in found if t not in CLEAR_CONTACT_MODELS)
    assert not leaking, f"e-mail or phone in clear outside {CLEAR_CONTACT_MODELS}: {leaking}"


def test_the_export_mart_has_the_landed_contacts(demo_connection):
    rows = demo_connection.execute(
        "select contacts.email, customers.email, contacts.phone, customers.phone "
        "from marts.mart_customer_contacts as contacts "
        "inner join raw_shopify.customers as customers "
        "using (tenant_id, customer_id)"
    ).fetchall()
    (customers,) = demo_connection.execute("select count(*) from marts.dim_customers").fetchone()
    assert rows and len(rows) == customers
    for email, landed_email, phone, landed_phone in rows:
        # Staging trims spaces, lower-cases the e-mail and reads an empty phone as missing.
        assert email == landed_email.strip(" ").lower()
        assert phone == ((landed_phone or "").strip(" ") or None)


def test_the_detector_finds_the_clear_contacts_staging_keeps(demo_connection):
    found = contact_columns(demo_connection, "staging")
    assert {("stg_shopify__customers", "email"), ("stg_shopify__customers", "phone")} <= found
    assert ("stg_shopify__orders", "email") in found


def test_the_yml_declares_exactly_the_allowed_export_marts(dbt_project_parsed):
    declared = {
        node["name"]
        for node in dbt_project_parsed.nodes.values()
        if node["resource_type"] == "model"
        and node["config"].get("meta", {}).get("contains_clear_pii")
    }
    assert declared == CLEAR_CONTACT_MODELS


@pytest.mark.parametrize(
    "table",
    [
        "mart_customer_contacts",
        "dim_customers",
        "mart_rfm_customers",
        "mart_customer_value",
        "mart_churn_radar_top_customers",
    ],
)
def test_customer_marts_carry_the_sha256_of_the_landed_contacts(demo_connection, table):
    landed = {
        (tenant, customer): (email, phone)
        for tenant, customer, email, phone in demo_connection.execute(
            "select tenant_id, customer_id, email, phone from raw_shopify.customers"
        ).fetchall()
    }
    rows = demo_connection.execute(
        f"select tenant_id, customer_id, email_sha256, phone_sha256 from marts.{table}"
    ).fetchall()
    assert rows
    for tenant, customer, email_hash, phone_hash in rows:
        email, phone = landed[(tenant, customer)]
        assert email_hash == sha256_hex(normalized_email(email)), (table, tenant, customer)
        assert phone_hash == sha256_hex(normalized_phone(phone)), (table, tenant, customer)
    hashes = [h for row in rows for h in row[2:] if h is not None]
    assert hashes and all(SHA256_HEX.match(h) for h in hashes)


def test_orders_carry_the_sha256_of_the_landed_email(demo_connection):
    landed = dict(
        demo_connection.execute(
            "select tenant_id || '|' || order_id, email from raw_shopify.orders"
        ).fetchall()
    )
    rows = demo_connection.execute(
        "select tenant_id || '|' || order_id, email_sha256 from marts.fct_orders"
    ).fetchall()
    assert rows
    for key, email_hash in rows:
        assert email_hash == sha256_hex(normalized_email(landed[key])), key


def test_the_hash_cases_seed_agrees_with_hashlib():
    path = DBT_PROJECT_DIR / "seeds" / "pii_hash_cases.csv"
    markers = {"{empty}": "", "{spaces}": "   "}
    with path.open(encoding="utf-8", newline="") as handle:
        cases = list(csv.DictReader(handle))
    assert len(cases) >= 10
    normalize = {"email": normalized_email, "phone": normalized_phone}
    for case in cases:
        value = case["value_input"] or None
        for marker, text in markers.items():
            value = value.replace(marker, text) if value is not None else None
        expected = normalize[case["value_kind"]](value)
        assert (case["expected_normalized"] or None) == expected, case["case_name"]
        assert (case["expected_sha256"] or None) == sha256_hex(expected), case["case_name"]
    # FIPS 180-2, appendix B.1: the published digest of "abc".
    abc = next(c for c in cases if c["case_name"] == "fips_180_vector_abc")
    assert abc["expected_sha256"] == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
