"""Contact normalisation and hashing for the ad platforms, against hand-worked values: e-mail
hashes equal the warehouse's (the dbt seed pii_hash_cases, whose digests were computed with
hashlib, and the pii.sql macro itself run in DuckDB); phones completed to E.164 only where the
country's numbering plan makes it certain, refused with the reason otherwise; Meta's phone
without '+', Google's with it, and where both differ from the warehouse's phone_sha256."""

from __future__ import annotations

import csv
import hashlib

import duckdb
import pytest

from cerebro.actions.activation.identifiers import (
    UnusableIdentifier,
    e164_phone,
    meta_country,
    meta_name,
    meta_phone,
    normalize_email,
    sha256_hex,
)
from cerebro.settings import DBT_PROJECT_DIR
from tests.support.portable_macros import macro_module

MARKERS = {"{empty}": "", "{spaces}": "   "}
#: Google's hash of +56912345678, as the seed pii_hash_cases gives it.
CHILEAN_MOBILE_E164_SHA256 = "74c04c5d07d225f08df28b3165671597f3fb5adc99e6bde000775ac8103d9d5f"


def seed_cases(kind: str) -> list[dict]:
    with open(DBT_PROJECT_DIR / "seeds" / "pii_hash_cases.csv", encoding="utf-8") as seed:
        return [row for row in csv.DictReader(seed) if row["value_kind"] == kind]


def warehouse(expression_macro: str, values: list[str]) -> list[str | None]:
    """The pii.sql macro rendered as dbt would for DuckDB, run on each value."""
    macros = macro_module("pii.sql")
    normalized = getattr(macros, expression_macro)("value")
    sql = f"select {macros.duckdb__sha256_hex(normalized)} from (select ? as value)"
    with duckdb.connect() as connection:
        return [connection.execute(sql, [value]).fetchone()[0] for value in values]


@pytest.mark.parametrize("case", seed_cases("email"), ids=lambda case: case["case_name"])
def test_email_hash_is_the_warehouses_seed_digest(case):
    raw = case["value_input"]
    for marker, text in MARKERS.items():
        raw = raw.replace(marker, text)
    if "@" not in raw:  # the seed also hashes 'abc' and blanks; those are not addresses
        with pytest.raises(UnusableIdentifier):
            normalize_email(raw)
        return
    assert sha256_hex(normalize_email(raw)) == case["expected_sha256"]


def test_email_hash_is_what_the_dbt_macro_computes():
    emails = [" Ana.Perez@Example.CL ", "ÁNGELA.Ñandú@Correo.CL", "x+y@a.b.c", "Ñ@ñ.cl"]
    ours = [sha256_hex(normalize_email(value)) for value in emails]
    assert ours == warehouse("normalize_email", emails)


@pytest.mark.parametrize(
    "raw, reason",
    [
        ("", "e-mail is empty"),
        ("   ", "e-mail is empty"),
        ("ana perez@example.cl", "not an address"),
        ("ana@example.cl\n", "not an address"),  # SQL trim keeps the newline: refused, not hashed
        ("ana@localhost", "not an address"),
        ("ana@@example.cl", "not an address"),
    ],
)
def test_an_email_that_is_not_an_address_is_refused(raw, reason):
    with pytest.raises(UnusableIdentifier, match=reason):
        normalize_email(raw)


@pytest.mark.parametrize(
    "raw, country, e164",
    [
        ("9 1234 5678", "CL", "+56912345678"),  # Chilean mobile without its prefix
        ("2 2345 6789", "cl", "+56223456789"),  # Santiago landline
        ("56 9 1234 5678", "CL", "+56912345678"),  # the code typed without '+'
        ("(+56) 9-1234.5678", "CL", "+56912345678"),
        ("0056 9 1234 5678", "PE", "+56912345678"),  # 00 is the international prefix
        ("+56 9 1234 5678", "PE", "+56912345678"),  # a written code wins over the country
        ("987 654 321", "PE", "+51987654321"),  # Peruvian mobile
        ("01 234 5678", "PE", "+5112345678"),  # Lima landline with the trunk 0
        ("099 123 456", "UY", "+59899123456"),  # Uruguayan mobile with the trunk 0
        ("55 1234 5678", "MX", "+525512345678"),
        ("(415) 555-0132", "US", "+14155550132"),
        ("+44 20 7946 0958", "CL", "+442079460958"),  # no plan here, but written in full
    ],
)
def test_phones_are_completed_to_e164(raw, country, e164):
    assert e164_phone(raw, country) == e164


@pytest.mark.parametrize(
    "raw, country, reason",
    [
        ("9 1234 567", "CL", "8 digits; a CL number has 9 digits after \\+56"),
        ("09 1234 5678", "CL", "10 digits; a CL number has 9 digits"),
        ("+56 9 1234 567", "CL", "8 digits after \\+56; numbers there have 9 digits"),
        ("+52 1 55 1234 5678", "MX", "11 digits after \\+52"),  # the retired mobile '1'
        ("11 1234 5678", "AR", "AR has no numbering plan here"),  # mobile or landline?
        ("+56 9 1234 5678 anexo 2", "CL", "letters"),
        ("9 1234 5678 #2", "CL", "characters other than digits"),
        ("9 1234+5678", "CL", "'\\+' that is not before its first digit"),
        ("+49 123", "CL", "5 digits; E.164 numbers have 7 to 15"),
        ("   ", "CL", "phone is empty"),
    ],
)
def test_phones_that_cannot_be_made_e164_are_refused_with_the_reason(raw, country, reason):
    with pytest.raises(UnusableIdentifier, match=reason):
        e164_phone(raw, country)


def test_google_and_meta_hash_the_same_number_differently_from_the_warehouse():
    e164 = e164_phone("9 1234 5678", "CL")
    google, meta = sha256_hex(e164), sha256_hex(meta_phone(e164))

    assert google == CHILEAN_MOBILE_E164_SHA256  # E.164 with '+'
    assert meta == hashlib.sha256(b"56912345678").hexdigest()  # digits only
    # The warehouse adds '+' to the digits as typed: equal to Google's only when the country
    # code was typed.
    typed_in_full, typed_locally = warehouse("normalize_phone", ["+56 9 1234 5678", "9 1234 5678"])
    assert typed_in_full == google
    assert typed_locally == hashlib.sha256(b"+912345678").hexdigest() != google


@pytest.mark.parametrize(
    "raw, name",
    [
        ("María José", "maríajosé"),
        ("O'Higgins", "ohiggins"),
        ("  PÉREZ-COTAPOS ", "pérezcotapos"),
        ("Jose\u0301", "josé"),  # decomposed accent composed first (NFC)
        ("Ñuñoa 2", "ñuñoa"),
    ],
)
def test_meta_names_keep_lower_case_letters_only(raw, name):
    assert meta_name(raw) == name


def test_a_name_without_letters_and_a_bad_country_are_refused():
    with pytest.raises(UnusableIdentifier, match="no letters"):
        meta_name("--")
    with pytest.raises(UnusableIdentifier, match="ISO 3166"):
        meta_country("Chile")
    assert meta_country(" CL") == "cl"


def test_sha256_hex_is_the_fips_180_vector():
    assert sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
