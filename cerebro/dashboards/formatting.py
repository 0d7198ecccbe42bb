"""Numbers, money and dates as a Chilean reader expects them: '.' groups thousands, ',' marks
decimals, CLP has no decimals ("$ 49.494"), other currencies two and their code ("228,14 PEN"),
a space before '%' ("78,5 %"), Spanish month names. A missing value is "—".

One function per column format of the dashboard specs (``metabase/dashboard.schema.json``);
:func:`format_value` picks it. The static pages use these for every number a reader sees: card
values, table cells and chart tooltips.
"""

from __future__ import annotations

import datetime as dt
import math

from cerebro.kpis.report import ZERO_DECIMAL_CURRENCIES

MISSING = "—"
MONTHS = (
    "enero", "febrero", "marzo", "abril", "mayo", "junio",
    "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
)  # fmt: skip
SHORT_MONTHS = ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic")
#: Swaps Python's English separators ("1,234.5") for Spanish ones ("1.234,5").
_SPANISH_SEPARATORS = str.maketrans({",": ".", ".": ","})


def is_missing(value: object) -> bool:
    """None, NaN and pandas' NA/NaT: every way a query says 'no value'."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, NaT and pd.NA are not equal to themselves
    except TypeError:  # pd.NA refuses bool(); it is missing
        return True


def _float(value: object) -> float:
    # PostgreSQL returns sums and averages as Decimal; DuckDB as int/float.
    return float(value)


def spanish_number(value: float, decimals: int) -> str:
    """``value`` with ``decimals`` decimals and Spanish separators: 1234.5 → "1.234,50"."""
    text = f"{value:,.{decimals}f}".translate(_SPANISH_SEPARATORS)
    # -0.0 rounds to "-0": a reader sees zero.
    return text[1:] if text.startswith("-") and set(text[1:]) <= set("0.,") else text


def format_integer(value: object) -> str:
    return MISSING if is_missing(value) else spanish_number(round(_float(value)), 0)


def format_number(value: object, decimals: int = 2) -> str:
    return MISSING if is_missing(value) else spanish_number(_float(value), decimals)


def format_percent(value: object, decimals: int = 1) -> str:
    """A fraction as a percentage: 0.785 → "78,5 %"."""
    return MISSING if is_missing(value) else f"{spanish_number(_float(value) * 100, decimals)} %"


def format_currency(value: object, currency: str) -> str:
    """CLP as "$ 49.494" (no decimals); other currencies as "228,14 PEN"; no currency known:
    the amount alone with two decimals."""
    if is_missing(value):
        return MISSING
    amount = _float(value)
    if currency in ZERO_DECIMAL_CURRENCIES:
        text = f"$ {spanish_number(abs(amount), 0)}"
        return f"-{text}" if round(amount) < 0 else text
    return f"{spanish_number(amount, 2)} {currency}".strip()


def format_hours(value: object) -> str:
    return MISSING if is_missing(value) else f"{spanish_number(_float(value), 2)} h"


def format_days(value: object) -> str:
    """Whole days without decimals ("12 días"), fractions with one ("12,5 días")."""
    if is_missing(value):
        return MISSING
    days = _float(value)
    decimals = 0 if math.isclose(days, round(days), abs_tol=0.05) else 1
    number = spanish_number(days, decimals)
    return f"{number} día" if number == "1" else f"{number} días"


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
    days, date, month, text)."""
    if fmt == "currency":
        return format_currency(value, currency)
    formatter = {
        "integer": format_integer,
        "number": format_number,
        "percent": format_percent,
        "hours": format_hours,
        "days": format_days,
        "date": format_date,
        "month": format_month,
        "text": format_text,
    }.get(fmt)
    if formatter is None:
        raise ValueError(f"unknown column format {fmt!r}")
    return formatter(value)


def format_change(previous: object, current: object) -> str | None:
    """The relative change from ``previous`` to ``current`` as "▲ 12,3 %" / "▼ 4,0 %" /
    "= 0,0 %"; None when there is nothing to compare with (a missing or zero previous)."""
    if is_missing(previous) or is_missing(current) or _float(previous) == 0:
        return None
    change = (_float(current) - _float(previous)) / abs(_float(previous))
    shown = format_percent(abs(change))
    if shown == format_percent(0):
        return f"= {shown}"
    return f"▲ {shown}" if change > 0 else f"▼ {shown}"
