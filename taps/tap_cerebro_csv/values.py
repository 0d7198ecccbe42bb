"""Cell parsers for spreadsheet exports: numbers, counts, dates, timestamps, booleans.

Chilean Excel exports write ``1.234.567,89`` (dot thousands, decimal comma) and
``05-03-2024`` (day first); platform exports write ``1,234,567.89`` and ISO
dates. Each parser accepts one convention, given by the file's settings, and
refuses anything ambiguous rather than guess: ``1.5`` in a decimal-comma file
is an error, not fifteen.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from zoneinfo import ZoneInfo

TRUE_WORDS = frozenset({"true", "t", "yes", "y", "si", "sí", "s", "1", "verdadero"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "0", "falso"})
# Day first, never month first: 03/05/2024 is 3 May in Chile.
DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y/%m/%d")
TIME_FORMATS = ("%H:%M:%S", "%H:%M", "%H:%M:%S.%f")
NUMBER_PATTERNS = {
    ",": re.compile(r"^-?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$"),
    ".": re.compile(r"^-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$"),
}
# Currency signs and spaces that exports put around amounts ("$ 1.234", "S/ 99,90").
DECORATION = re.compile(r"^\s*(\$|S/\.?|US\$|CLP|PEN|USD)?\s*|\s+$")


class CellError(ValueError):
    """A cell that does not hold what its column needs; the message is the reason."""


def parse_decimal(text: str, decimal_separator: str) -> decimal.Decimal:
    """``"1.234,5"`` (decimal comma) or ``"1,234.5"`` (decimal point) as an exact Decimal."""
    cleaned = DECORATION.sub("", text).replace("\u00a0", "").replace(" ", "")
    if not NUMBER_PATTERNS[decimal_separator].match(cleaned):
        kind = "decimal comma" if decimal_separator == "," else "decimal point"
        raise CellError(f"{text!r} is not a number ({kind})")
    thousands = "." if decimal_separator == "," else ","
    return decimal.Decimal(cleaned.replace(thousands, "").replace(decimal_separator, "."))


def parse_count(text: str, decimal_separator: str) -> int:
    """A whole number, thousands separators allowed (``"12.345"`` in a decimal-comma file)."""
    value = parse_decimal(text, decimal_separator)
    if value != value.to_integral_value():
        raise CellError(f"{text!r} is not a whole number")
    return int(value)


def parse_boolean(text: str) -> bool:
    """true/false, sí/no, yes/no, 1/0 (any case)."""
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError(f"{text!r} is not true/false (sí/no, 1/0)")


def parse_date(text: str, date_format: str | None) -> dt.date:
    """A day: the file's format, else ISO or day-first; a midnight time part is accepted."""
    value = text.strip()
    formats = (date_format,) if date_format else DATE_FORMATS
    for fmt in formats:
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    moment = _parse_naive_timestamp(value, date_format)
    if moment is not None and moment.time() == dt.time():
        return moment.date()
    expected = date_format or "YYYY-MM-DD or DD-MM-YYYY"
    raise CellError(f"{text!r} is not a date ({expected})")


def parse_timestamp(text: str, date_format: str | None, timezone: ZoneInfo) -> str:
    """An instant as UTC ISO 8601 (``+00:00``); times without an offset are ``timezone``'s.

    A local time repeated when DST ends takes its first (summer) reading; one
    skipped when DST starts is read with the offset before the jump, i.e. an
    hour later on the wall clock, as Python's ``zoneinfo`` does.
    """
    value = text.strip()
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        moment = _parse_naive_timestamp(value, date_format)
    if moment is None:
        expected = f"{date_format} HH:MM[:SS]" if date_format else "ISO or DD-MM-YYYY HH:MM"
        raise CellError(f"{text!r} is not a date and time ({expected})")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _parse_naive_timestamp(value: str, date_format: str | None) -> dt.datetime | None:
    date_part, _, time_part = value.partition(" ")
    if not time_part:
        time_part = "00:00"
    for day_format in (date_format,) if date_format else DATE_FORMATS:
        for time_format in TIME_FORMATS:
            try:
                return dt.datetime.strptime(f"{date_part} {time_part.strip()}",
                                            f"{day_format} {time_format}")  # fmt: skip
            except ValueError:
                continue
    return None
