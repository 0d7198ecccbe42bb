"""Spanish (Chilean) formatting of every column format, against hand-written expected text."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pandas as pd
import pytest

from cerebro.dashboards.formatting import (
    MISSING,
    format_change,
    format_currency,
    format_date,
    format_days,
    format_hours,
    format_integer,
    format_long_date,
    format_month,
    format_number,
    format_percent,
    format_timestamp,
    format_value,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (49494, "$ 49.494"),
        (49494.4, "$ 49.494"),
        (1234567.89, "$ 1.234.568"),
        (0, "$ 0"),
        (-15300, "-$ 15.300"),
        (-0.2, "$ 0"),
        (Decimal("2500.00"), "$ 2.500"),  # PostgreSQL sums arrive as Decimal
    ],
)
def test_clp_has_no_decimals_a_dollar_sign_and_dots_for_thousands(value, expected):
    assert format_currency(value, "CLP") == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(228.14, "228,14 PEN"), (1234.5, "1.234,50 PEN"), (0.005, "0,01 PEN"), (-3, "-3,00 PEN")],
)
def test_other_currencies_have_two_decimals_and_their_code(value, expected):
    assert format_currency(value, "PEN") == expected


def test_an_unknown_currency_shows_the_amount_alone():
    assert format_currency(1234.5, "") == "1.234,50"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.785, "78,5 %"), (1, "100,0 %"), (0, "0,0 %"), (0.00049, "0,0 %"), (0.1234, "12,3 %")],
)
def test_percent_of_a_fraction_has_one_decimal_and_a_space(value, expected):
    assert format_percent(value) == expected


def test_hours_days_integers_and_numbers():
    assert format_hours(44.9583) == "44,96 h"
    assert format_hours(1234.5) == "1.234,50 h"
    assert format_days(12) == "12 días"
    assert format_days(12.5) == "12,5 días"
    assert format_days(1) == "1 día"
    assert format_integer(1234567) == "1.234.567"
    assert format_integer(Decimal("65")) == "65"
    assert format_integer(2.6) == "3"
    assert format_number(1.3456) == "1,35"
    assert format_number(12345.678) == "12.345,68"


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
def test_every_format_shows_a_missing_value_as_a_dash(missing, fmt):
    assert format_value(missing, fmt, "CLP") == MISSING == "—"


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
        (100, 112.3, "▲ 12,3 %"),
        (75, 65, "▼ 13,3 %"),
        (0.707, 0.785, "▲ 11,0 %"),
        (50, 50, "= 0,0 %"),
        (-100, -50, "▲ 50,0 %"),  # less negative is up
        (0, 10, None),  # no base to compare with
        (None, 10, None),
        (10, None, None),
    ],
)
def test_change_against_the_previous_period(previous, current, expected):
    assert format_change(previous, current) == expected
