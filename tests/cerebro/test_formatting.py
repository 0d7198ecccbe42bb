"""The one formatting module against Babel's CLDR data for each tenant's locale (es_CL for CLP,
es_PE for PEN), ISO 4217's minor units, and hand-written Spanish dates."""

from __future__ import annotations

import datetime as dt
import decimal
import math
from decimal import Decimal

import babel.numbers
import pandas as pd
import pytest

from cerebro.formatting import (
    LOCALES,
    MISSING,
    csv_delimiter,
    currency_affixes,
    currency_unit_words,
    format_change,
    format_csv_value,
    format_currency,
    format_date,
    format_days,
    format_hours,
    format_integer,
    format_long_date,
    format_month,
    format_number,
    format_percent,
    format_significant,
    format_timestamp,
    format_value,
    locale_for,
    number_separators,
)

#: ISO 4217 minor units (the published table), independent of Babel.
ISO_MINOR_UNITS = {"CLP": 0, "PEN": 2}
AMOUNTS = [49434.4, 0.5, 1234567.891, 79171.789, 2.5, 0.125, Decimal("2500.005"), 0]


def _babel_money(value, currency: str) -> str:
    """Babel's own text for an amount in the tenant's locale, rounded half away from zero."""
    with decimal.localcontext(rounding=decimal.ROUND_HALF_UP):
        return babel.numbers.format_currency(
            Decimal(str(value)), currency, locale=LOCALES[currency]
        )


def test_each_currency_has_one_locale_and_others_default_to_chile():
    assert locale_for("CLP") == "es_CL"
    assert locale_for("PEN") == "es_PE"
    assert locale_for("USD") == locale_for("") == "es_CL"


@pytest.mark.parametrize("currency", ["CLP", "PEN"])
@pytest.mark.parametrize("value", AMOUNTS)
def test_money_is_babels_text_for_the_tenants_locale(value, currency):
    assert format_currency(value, currency) == _babel_money(value, currency)


@pytest.mark.parametrize("currency", ["CLP", "PEN"])
@pytest.mark.parametrize("value", [-15300.4, -0.5, -79171.789])
def test_a_negative_amount_puts_its_sign_before_the_symbol(value, currency):
    assert format_currency(value, currency) == "-" + _babel_money(-value, currency)


@pytest.mark.parametrize("currency", ["CLP", "PEN"])
def test_money_has_the_minor_unit_of_its_currency_and_no_iso_code(currency):
    decimal_symbol = babel.numbers.get_decimal_symbol(LOCALES[currency])
    text = format_currency(1234567.891, currency)
    fraction = text.rpartition(decimal_symbol)[2] if ISO_MINOR_UNITS[currency] else ""
    assert len(fraction) == ISO_MINOR_UNITS[currency], text
    assert currency not in text


def test_the_issue_examples_read_as_a_chilean_and_a_peruvian_expect():
    assert format_currency(49434, "CLP") == "$49.434"
    assert format_currency(79171.79, "PEN") == "S/\xa079,171.79"
    assert format_currency(-12000, "CLP") == "-$12.000"
    assert format_currency(-0.2, "CLP") == "$0"  # rounds to zero: no "-$0"


def test_an_unknown_currency_uses_the_default_locale_and_no_currency_the_amount_alone():
    assert format_currency(1234.5, "USD") == babel.numbers.format_currency(
        1234.5, "USD", locale="es_CL"
    )
    assert format_currency(1234.5, "") == "1.234,50"


@pytest.mark.parametrize("locale", ["es_CL", "es_PE"])
@pytest.mark.parametrize("value", [0.785, 1, 0, 0.00049, 0.1234, 12.3456])
def test_percent_is_babels_percent_with_one_decimal(value, locale):
    pattern = babel.Locale.parse(locale).percent_formats[None].pattern.replace("0%", "0.0%")
    with decimal.localcontext(rounding=decimal.ROUND_HALF_UP):
        expected = babel.numbers.format_percent(Decimal(str(value)), pattern, locale=locale)
    assert format_percent(value, locale=locale) == expected


def test_percent_examples_and_no_negative_zero():
    assert format_percent(0.746, locale="es_CL") == "74,6%"
    assert format_percent(0.746, locale="es_PE") == "74.6%"
    assert format_percent(-0.00001, locale="es_CL") == "0,0%"


@pytest.mark.parametrize("locale", ["es_CL", "es_PE"])
def test_integers_and_numbers_use_the_locales_grouping_and_decimal_symbol(locale):
    assert format_integer(1234567, locale) == babel.numbers.format_decimal(1234567, locale=locale)
    assert format_integer(Decimal("65"), locale) == "65"
    assert format_integer(2.5, locale) == "3"  # half away from zero, as the SQL macros round
    assert format_integer(-2.5, locale) == "-3"
    decimal_symbol = babel.numbers.get_decimal_symbol(locale)
    assert format_number(0.125, 2, locale) == f"0{decimal_symbol}13"
    assert format_number(12345.678, 2, locale) == babel.numbers.format_decimal(
        12345.68, format="#,##0.00", locale=locale
    )


def test_hours_and_days():
    assert format_hours(44.9583) == "44,96 h"
    assert format_hours(1234.5, "es_PE") == "1,234.50 h"
    assert format_days(12) == "12 días"
    assert format_days(12.5) == "12,5 días"
    assert format_days(12.5, "es_PE") == "12.5 días"
    assert format_days(1) == "1 día"


def test_significant_digits_for_model_parameters():
    assert format_significant(0.24346) == "0,243"
    assert format_significant(1234.5678, 4) == "1235"
    assert format_significant(0) == "0"
    assert format_significant(math.inf) == "∞"


@pytest.mark.parametrize("locale", ["es_CL", "es_PE"])
def test_separators_and_csv_delimiter_follow_the_locale(locale):
    decimal_symbol = babel.numbers.get_decimal_symbol(locale)
    assert number_separators(locale) == decimal_symbol + babel.numbers.get_group_symbol(locale)
    # A spreadsheet cannot split fields on the decimal symbol.
    assert csv_delimiter(locale) == (";" if decimal_symbol == "," else ",")


def test_currency_affixes_are_what_the_money_text_writes_around_the_number():
    for currency in ("CLP", "PEN"):
        prefix, suffix = currency_affixes(currency)
        text = format_currency(7, currency)
        assert text.startswith(prefix) and text.endswith(suffix) and prefix
    assert currency_affixes("") == ("", "")


@pytest.mark.parametrize(
    ("value", "fmt", "currency", "expected"),
    [
        (1551327.7234339658, "currency", "CLP", "1551328"),
        (1551327.7234339658, "currency", "PEN", "1551327.72"),
        (1551327.5, "currency", "PEN", "1551327.50"),
        (0.78539816, "percent", "CLP", "0,7854"),
        (3.0, "number", "CLP", "3"),
        (-2.5, "integer", "CLP", "-3"),
        (44.9583, "hours", "PEN", "44.96"),
        (pd.Timestamp("2026-10-31"), "date", "CLP", "2026-10-31"),
        (True, "text", "CLP", "Sí"),
        (None, "currency", "CLP", ""),
    ],
)
def test_csv_cells_are_plain_numbers_in_the_locale(value, fmt, currency, expected):
    assert format_csv_value(value, fmt, currency) == expected


def test_dates_and_months_in_spanish():
    assert format_date(dt.date(2026, 10, 31)) == "31 oct 2026"
    assert format_date(dt.datetime(2026, 9, 2, 23, 59)) == "2 sep 2026"
    assert format_date(pd.Timestamp("2026-01-05")) == "5 ene 2026"
    assert format_date("2026-12-24") == "24 dic 2026"
    assert format_month(dt.date(2026, 8, 1)) == "ago 2026"
    assert format_long_date(dt.date(2026, 11, 20)) == "20 de noviembre de 2026"
    moment = dt.datetime(2026, 11, 21, 14, 53, tzinfo=dt.UTC)
    assert format_timestamp(moment) == "21 nov 2026, 14:53 UTC"


@pytest.mark.parametrize("missing", [None, math.nan, pd.NA, pd.NaT, float("nan")])
@pytest.mark.parametrize(
    "fmt", ["integer", "number", "percent", "currency", "hours", "days", "date", "month", "text"]
)
@pytest.mark.parametrize("currency", ["CLP", "PEN"])
def test_every_format_shows_a_missing_value_as_a_dash(missing, fmt, currency):
    assert format_value(missing, fmt, currency) == MISSING == "—"


def test_format_value_uses_the_locale_of_the_currency():
    assert format_value(0.5, "percent", "PEN") == format_percent(0.5, locale="es_PE")
    assert format_value(1234, "integer", "PEN") == "1,234"
    assert format_value(1234, "integer", "CLP") == "1.234"
    assert format_value(1234.5, "currency", "PEN") == format_currency(1234.5, "PEN")


def test_text_shows_booleans_in_spanish():
    assert format_value(True, "text") == "Sí"
    assert format_value(False, "text") == "No"
    assert format_value("Región Metropolitana", "text") == "Región Metropolitana"


def test_an_unknown_format_is_an_error():
    with pytest.raises(ValueError, match="unknown column format"):
        format_value(1, "money")


@pytest.mark.parametrize(
    ("previous", "current", "expected"),
    [
        (100, 112.3, "▲ 12,3%"),
        (75, 65, "▼ 13,3%"),
        (0.707, 0.785, "▲ 11,0%"),
        (50, 50, "= 0,0%"),
        (-100, -50, "▲ 50,0%"),  # less negative is up
        (0, 10, None),  # no base to compare with
        (None, 10, None),
        (10, None, None),
    ],
)
def test_change_against_the_previous_period(previous, current, expected):
    assert format_change(previous, current) == expected
    if expected is not None:
        assert format_change(previous, current, "es_PE") == expected.replace(",", ".")


def test_a_currencys_unit_is_the_word_cldr_names_it_with():
    """What "por cada peso" says in each tenant's currency (CLDR's Spanish names: "sol
    peruano", "soles peruanos")."""
    assert currency_unit_words("CLP") == ("peso", "pesos")
    assert currency_unit_words("PEN") == ("sol", "soles")
    assert currency_unit_words("EUR") == ("euro", "euros")
    assert currency_unit_words("USD") == ("dólar", "dólares")
    assert currency_unit_words("") == ("peso", "pesos")
