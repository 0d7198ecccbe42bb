"""Every number a reader sees, in the locale of the tenant it belongs to, from one place.

The rule: a tenant's currency picks its locale (:data:`LOCALES`, the one mapping: CLP → es_CL,
PEN → es_PE; any other currency, or none, the default es_CL). Within a locale Babel (CLDR data)
decides the rest, so that the static pages, the Metabase cards, the generated sentences, the
reports, the alerts, the terminal and the CSV downloads all write the same text:

- money: the currency's symbol and its minor unit, "$49.434" (CLP, no decimals) and
  "S/ 79,171.79" (PEN, two; CLDR's es_PE separates decimals with a point, as Peruvian prices
  and invoices do). A minus sign goes before the symbol ("-$12.000"), the form a signed change
  needs anyway; CLDR's es_CL pattern alone would write "$-12.000";
- percentages: "74,6%" (es_CL) and "74.6%" (es_PE); integers and other numbers with the
  locale's grouping and decimal symbol ("1.234.567" and "1,234,567");
- values are rounded half away from zero, as the dbt macros that write sentences do;
- dates in Spanish words, the same in both locales ("31 oct 2026"); a missing value is "—".

The dbt macros that write sentences (``dbt_project/macros/format_spanish.sql``) take their
symbols and separators from ``var('currency_formats')``, which tests keep equal to this module.

One function per column format of the dashboard specs (``metabase/dashboard.schema.json``);
:func:`format_value` picks it. CSV downloads are written for a spreadsheet in the same locale
(:func:`csv_delimiter`, :func:`format_csv_value`).
"""

from __future__ import annotations

import copy
import datetime as dt
import decimal
import functools
import math

from babel import Locale
from babel.numbers import (
    NumberPattern,
    format_decimal,
    get_currency_name,
    get_currency_precision,
    get_currency_symbol,
)

#: The one mapping from a tenant's currency to the locale its readers expect.
LOCALES = {"CLP": "es_CL", "PEN": "es_PE"}
#: Chile first: the locale of other currencies and of numbers that belong to no tenant.
DEFAULT_LOCALE = "es_CL"
MISSING = "—"
MONTHS = (
    "enero", "febrero", "marzo", "abril", "mayo", "junio",
    "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
)  # fmt: skip
SHORT_MONTHS = ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic")
#: Decimals of a number written to a CSV download, per column format (money: the currency's
#: minor unit). Percentages stay fractions, as in the marts (0,7854 is 78,54 %).
CSV_DECIMALS = {"integer": 0, "number": 4, "percent": 4, "hours": 2, "days": 2}


def locale_for(currency: str) -> str:
    """The locale of a tenant whose currency is ``currency`` (:data:`LOCALES`)."""
    return LOCALES.get(currency, DEFAULT_LOCALE)


def minor_unit(currency: str) -> int:
    """Decimals of the currency's minor unit (ISO 4217 via CLDR): CLP 0, PEN 2; 2 without one."""
    return get_currency_precision(currency) if currency else 2


def currency_unit_words(currency: str) -> tuple[str, str]:
    """The currency's unit as Spanish text names it, singular and plural: ("sol", "soles") for
    PEN, ("peso", "pesos") for CLP — the first word of CLDR's Spanish name ("sol peruano").
    Chile's peso without a currency."""
    if not currency:
        return "peso", "pesos"
    names = (get_currency_name(currency, count=count, locale="es") for count in (1, 2))
    return tuple(name.split()[0] for name in names)


def is_missing(value: object) -> bool:
    """None, NaN and pandas' NA/NaT: every way a query says 'no value'."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, NaT and pd.NA are not equal to themselves
    except TypeError:  # pd.NA refuses bool(); it is missing
        return True


def _rounded(value: object, decimals: int) -> decimal.Decimal:
    """``value`` rounded half away from zero; PostgreSQL's Decimals are kept exact, floats read
    as their shortest text (0.125 is 0,13, as the sentences write it)."""
    number = value if isinstance(value, decimal.Decimal) else decimal.Decimal(repr(float(value)))
    rounded = number.quantize(decimal.Decimal(1).scaleb(-decimals), decimal.ROUND_HALF_UP)
    return rounded.copy_abs() if rounded.is_zero() else rounded  # never "-0"


@functools.cache
def _pattern(locale: str, kind: str, decimals: int) -> NumberPattern:
    """The locale's own number, percent or currency pattern with exactly ``decimals``."""
    data = Locale.parse(locale)
    formats = {
        "decimal": data.decimal_formats,
        "percent": data.percent_formats,
        "currency": data.currency_formats,
    }[kind]
    pattern = copy.copy(formats["standard" if kind == "currency" else None])
    pattern.frac_prec = (decimals, decimals)
    return pattern


def _apply(kind: str, number: decimal.Decimal, decimals: int, locale: str, **options) -> str:
    return _pattern(locale, kind, decimals).apply(
        number, Locale.parse(locale), currency_digits=False, **options
    )


def format_number(value: object, decimals: int = 2, locale: str = DEFAULT_LOCALE) -> str:
    """``value`` with ``decimals`` decimals in the locale: 1234.5 → "1.234,50" (es_CL)."""
    if is_missing(value):
        return MISSING
    return _apply("decimal", _rounded(value, decimals), decimals, locale)


def format_significant(value: object, digits: int = 3, locale: str = DEFAULT_LOCALE) -> str:
    """``value`` to ``digits`` significant digits, no trailing zeros, no grouping (a model
    parameter or a ROI in the terminal): 0.24346 → "0,243" (es_CL)."""
    if is_missing(value):
        return MISSING
    number = float(value)
    if number == 0:
        return "0"  # Babel writes a zero as "0,0"
    if math.isinf(number):
        return "-∞" if number < 0 else "∞"
    with decimal.localcontext(rounding=decimal.ROUND_HALF_UP):
        return format_decimal(number, format="@" + "#" * (digits - 1), locale=locale)


def format_integer(value: object, locale: str = DEFAULT_LOCALE) -> str:
    """A whole number with the locale's grouping: 1234567 → "1.234.567" (es_CL)."""
    return format_number(value, 0, locale)


def format_percent(value: object, decimals: int = 1, locale: str = DEFAULT_LOCALE) -> str:
    """A fraction as a percentage: 0.785 → "78,5%" (es_CL), "78.5%" (es_PE)."""
    if is_missing(value):
        return MISSING
    percent = _rounded(decimal.Decimal(repr(float(value))) * 100, decimals) / 100
    return _apply("percent", percent, decimals, locale)


def format_currency(value: object, currency: str, decimals: int | None = None) -> str:
    """An amount in its currency and its tenant's locale: "$49.434", "-$12.000",
    "S/ 79,171.79". Without a currency, the amount alone with two decimals."""
    if is_missing(value):
        return MISSING
    if not currency:
        return format_number(value, 2 if decimals is None else decimals)
    decimals = minor_unit(currency) if decimals is None else decimals
    amount = _rounded(value, decimals)
    text = _apply("currency", abs(amount), decimals, locale_for(currency), currency=currency)
    return f"-{text}" if amount < 0 else text


def format_hours(value: object, locale: str = DEFAULT_LOCALE, decimals: int = 2) -> str:
    """A duration in hours: "44,96 h"."""
    return MISSING if is_missing(value) else f"{format_number(value, decimals, locale)} h"


def format_days(value: object, locale: str = DEFAULT_LOCALE) -> str:
    """Whole days without decimals ("12 días"), fractions with one ("12,5 días")."""
    if is_missing(value):
        return MISSING
    days = float(value)
    decimals = 0 if math.isclose(days, round(days), abs_tol=0.05) else 1
    number = format_number(days, decimals, locale)
    return f"{number} día" if number == "1" else f"{number} días"


def number_separators(locale: str) -> str:
    """The locale's decimal symbol then its group symbol: ",." for es_CL, ".," for es_PE. Plotly
    (``layout.separators``) and Metabase (``number_separators``) take them in this order."""
    symbols = Locale.parse(locale).number_symbols["latn"]
    return symbols["decimal"] + symbols["group"]


def currency_affixes(currency: str) -> tuple[str, str]:
    """What the locale writes before and after a positive amount: ("$", "") for CLP,
    ("S/\\xa0", "") for PEN; ("", "") without a currency."""
    if not currency:
        return "", ""
    pattern = _pattern(locale_for(currency), "currency", 0)
    symbol = get_currency_symbol(currency, locale_for(currency))
    prefix, suffix = (text.replace("¤", symbol) for text in (pattern.prefix[0], pattern.suffix[0]))
    return prefix, suffix


def percent_suffix(locale: str) -> str:
    """What the locale writes after a percentage ("%" for es_CL and es_PE)."""
    return _pattern(locale, "percent", 0).suffix[0]


def as_date(value: object) -> dt.date | None:
    """A date from what a warehouse returns: date, datetime, pandas Timestamp or ISO text."""
    if is_missing(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "to_pydatetime"):
        return value.to_pydatetime().date()
    return dt.date.fromisoformat(str(value)[:10])


def format_date(value: object) -> str:
    """A day as "31 oct 2026"."""
    day = as_date(value)
    return MISSING if day is None else f"{day.day} {SHORT_MONTHS[day.month - 1]} {day.year}"


def format_month(value: object) -> str:
    """A month (any day in it) as "oct 2026"."""
    day = as_date(value)
    return MISSING if day is None else f"{SHORT_MONTHS[day.month - 1]} {day.year}"


def format_long_date(value: object) -> str:
    """A day as "31 de octubre de 2026", for headings."""
    day = as_date(value)
    return MISSING if day is None else f"{day.day} de {MONTHS[day.month - 1]} de {day.year}"


def format_period(start: object, end: object) -> str:
    """Two days as a range: "2 oct 2026", an en dash (Spanish typesetting), "31 oct 2026"."""
    return f"{format_date(start)} \u2013 {format_date(end)}"


def format_timestamp(value: dt.datetime) -> str:
    """A moment as "21 nov 2026, 14:53 UTC" (``value`` aware, or naive UTC)."""
    moment = value.astimezone(dt.UTC) if value.tzinfo else value
    return f"{format_date(moment)}, {moment:%H:%M} UTC"


def format_text(value: object) -> str:
    if is_missing(value):
        return MISSING
    if isinstance(value, bool):
        return "Sí" if value else "No"
    return str(value)


def format_value(value: object, fmt: str, currency: str = "") -> str:
    """``value`` shown in a spec column format (integer, number, percent, currency, hours,
    days, date, month, text), in the locale of a tenant whose currency is ``currency``."""
    locale = locale_for(currency)
    if fmt == "currency":
        return format_currency(value, currency)
    if fmt in ("integer", "percent", "number", "hours", "days"):
        formatter = {
            "integer": format_integer,
            "number": format_number,
            "percent": format_percent,
            "hours": format_hours,
            "days": format_days,
        }[fmt]
        return MISSING if is_missing(value) else formatter(value, locale=locale)
    formatter = {"date": format_date, "month": format_month, "text": format_text}.get(fmt)
    if formatter is None:
        raise ValueError(f"unknown column format {fmt!r}")
    return formatter(value)


def format_change(previous: object, current: object, locale: str = DEFAULT_LOCALE) -> str | None:
    """The relative change from ``previous`` to ``current`` as "▲ 12,3%" / "▼ 4,0%" /
    "= 0,0%"; None when there is nothing to compare with (a missing or zero previous)."""
    if is_missing(previous) or is_missing(current) or float(previous) == 0:
        return None
    change = (float(current) - float(previous)) / abs(float(previous))
    shown = format_percent(abs(change), locale=locale)
    if shown == format_percent(0, locale=locale):
        return f"= {shown}"
    return f"▲ {shown}" if change > 0 else f"▼ {shown}"


def csv_delimiter(locale: str) -> str:
    """The field separator a spreadsheet in ``locale`` expects: ";" where the decimal symbol is a
    comma (es_CL: Excel's list separator), "," where it is a point (es_PE)."""
    return ";" if number_separators(locale)[0] == "," else ","


def format_csv_value(value: object, fmt: str, currency: str = "") -> object:
    """A cell of a CSV download: numbers without grouping, with the locale's decimal symbol,
    rounded to the currency's minor unit (money) or to :data:`CSV_DECIMALS`; ISO dates; text as
    the page shows it; an empty cell where the value is missing."""
    if is_missing(value):
        return ""
    if fmt == "currency" or fmt in CSV_DECIMALS:
        decimals = minor_unit(currency) if fmt == "currency" else CSV_DECIMALS[fmt]
        text = f"{_rounded(value, decimals):f}"
        if fmt != "currency" and "." in text:  # no trailing zeros but on money
            text = text.rstrip("0").rstrip(".")
        return text.replace(".", number_separators(locale_for(currency))[0])
    if fmt in ("date", "month"):
        return as_date(value).isoformat()
    return format_text(value)
