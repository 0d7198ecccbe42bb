"""The oracle's own rules, checked before it judges anything: hand-verified RUT, place-name
and local-time cases (the seeds' case files), SQL `ntile` semantics, channel rules."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from tests.cerebro.serving.kpis.kpi_oracle import ntile
from tests.cerebro.serving.kpis.kpi_oracle_reference import (
    SEEDS_DIR,
    channel_group,
    customer_region,
    is_valid_rut,
    load_reference,
    normalize_rut,
    order_comuna,
    payment_method,
    place_key,
    referring_domain,
    to_local,
)

#: How the case files spell characters a CSV cannot hold plainly.
PLACEHOLDERS = {
    "{tab}": "\t",
    "{newline}": "\n",
    "{nbsp}": "\u00a0",
    "{acute}": "\u0301",
    "{tilde}": "\u0303",
    "{rsquo}": "\u2019",
    "{empty}": "",
    "{spaces}": "   ",
}


def _cases(name: str) -> list[dict]:
    frame = pd.read_csv(SEEDS_DIR / f"{name}.csv", dtype=str, keep_default_na=False)
    return frame.to_dict("records")


def _unescape(text: str) -> str | None:
    if text == "":
        return None
    for placeholder, character in PLACEHOLDERS.items():
        text = text.replace(placeholder, character)
    return text


@pytest.fixture(scope="module")
def reference():
    return load_reference()


@pytest.mark.parametrize("case", _cases("rut_cases"), ids=lambda case: case["case_name"])
def test_rut_rules_match_the_hand_verified_cases(case):
    rut = _unescape(case["rut_input"])
    assert is_valid_rut(rut) is (case["expected_is_valid"] == "true")
    if case["expected_is_valid"] == "true":
        assert normalize_rut(rut) == case["expected_normalized_rut"]


@pytest.mark.parametrize("case", _cases("place_name_cases"), ids=lambda case: case["case_name"])
def test_place_keys_match_the_hand_verified_cases(case):
    assert place_key(_unescape(case["input_name"])) == (case["expected_key"] or None)


@pytest.mark.parametrize("case", _cases("local_time_cases"), ids=lambda case: case["case_name"])
def test_local_time_matches_the_hand_verified_cases(case):
    utc = pd.Timestamp(case["utc_at"]) if case["utc_at"] else None
    local = to_local(utc, case["timezone_name"])
    if local is None:
        assert case["expected_local_at"] == ""
        return
    assert local.replace(tzinfo=None) == dt.datetime.fromisoformat(case["expected_local_at"])
    assert (local.date().isoformat(), local.hour) == (
        case["expected_local_date"],
        int(case["expected_local_hour"]),
    )


@pytest.mark.parametrize("rows", range(23))
def test_ntile_matches_sql_ntile(rows):
    with duckdb.connect() as connection:
        sql = f"select ntile(5) over (order by i) as bucket from range({rows}) t(i) order by i"
        expected = [bucket for (bucket,) in connection.execute(sql).fetchall()]
    assert ntile(rows) == expected


@pytest.mark.parametrize(
    ("source", "medium", "site", "group"),
    [
        (" Google ", "CPC", None, "Google Ads"),
        ("google", "organic", None, "SEO / Orgánico"),
        ("google", None, None, "Otro"),  # google without a medium matches no rule
        ("newsletter", "email", None, "Email"),  # source rule 500 before medium rule 570
        ("partner_blog", "referral", None, "Referido"),
        ("fb", "paid_social", None, "Meta Ads"),
        (None, None, "https://www.Google.cl/search?q=x", "SEO / Orgánico"),
        (None, None, "http://l.facebook.com:443/", "Meta Ads"),
        (None, None, "https://example.org/", "Otro"),
        (None, "  ", "", "Directo"),
    ],
)
def test_channel_rules(reference, source, medium, site, group):
    assert channel_group(reference, source, medium, site) == group


def test_referring_domain_drops_scheme_www_path_and_port():
    assert referring_domain("HTTPS://WWW.Bing.com:8080/a?b#c") == "bing.com"
    assert referring_domain("duckduckgo.com") == "duckduckgo.com"
    assert referring_domain("   ") is None


def test_places_regions_and_gateways(reference):
    assert order_comuna(reference, "CL", "  ÑUÑOA ") == "Ñuñoa"
    assert order_comuna(reference, "CL", "Stgo Centro") == "Santiago"  # an alias
    assert order_comuna(reference, "PE", "Surco") == "Santiago de Surco"
    assert order_comuna(reference, "CL", "Villa Inventada") == "Villa Inventada"
    assert order_comuna(reference, "CL", None) == "Sin comuna"
    assert customer_region(reference, "CL", "Viña del Mar", "RM") == "Valparaíso"
    assert customer_region(reference, "CL", "Villa Inventada", "RM") == "Región Metropolitana"
    assert customer_region(reference, "PE", "Miraflores", None) == "Lima Metropolitana"
    assert customer_region(reference, "CL", None, None) == "Sin región"
    assert payment_method(reference, "Webpay_Plus") == "Webpay Plus"
    assert payment_method(reference, "bogus") == "Otro"
