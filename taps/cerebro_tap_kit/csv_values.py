"""Cell parsers for spreadsheet exports: numbers, counts, dates, timestamps, booleans, ids.

Chilean Excel exports write ``1.234.567,89`` (dot thousands, decimal comma) and
``05-03-2024`` (day first); platform exports write ``1,234,567.89`` and ISO
dates. Each parser accepts one convention, given by the file's settings, and
refuses anything ambiguous rather than guess: ``1.5`` in a decimal-comma file
is an error, not fifteen. Digits are ASCII only (``[0-9]``, not ``\\d``, which
also matches Arabic-Indic and full-width digits). Every parser raises
``CellError`` and nothing else, whatever the text (property-tested).

Thousands or decimals? A file's decimal mark is set (``decimal_separator``) or,
by default, guessed from its delimiter: ``,`` for ``;`` files, ``.`` otherwise.
A guess cannot tell ``11.957`` (11 957 pesos, as Chile writes it, in a
comma-delimited file) from 11.957: a cell whose only mark is the guessed
decimal mark with exactly three digits after it is refused as ambiguous, with
a reason that says to set ``decimal_separator``, rather than read 1000 times
off. When that mark repeats (``1.234.567``; ``1,234,567`` in a ``;`` file) it
can only separate thousands, and is read so. A leading ``0`` (``0.957``) is a
decimal: no grouped number starts with 0. The file's own thousands mark is
trusted (``"12,000"`` in a comma-delimited file is 12000). Amounts and counts
follow the same rule; a set ``decimal_separator`` is honoured as given.

Default formats are matched with regular expressions rather than ``strptime``
(which costs ~7 µs a call and was tried up to five times per cell); a
configured ``date_format`` still goes through ``strptime``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from zoneinfo import ZoneInfo

TRUE_WORDS = frozenset({"true", "t", "yes", "y", "si", "sí", "s", "1", "verdadero"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "0", "falso"})
NUMBER_PATTERNS = {
    ",": re.compile(r"-?(?:[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)(?:,[0-9]+)?"),
    ".": re.compile(r"-?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?"),
}
# A number whose only mark separates groups of three digits (11.957, 1.234.567), per mark.
GROUPED_BY = {
    mark: re.compile(rf"-?[1-9][0-9]{{0,2}}(?:{re.escape(mark)}[0-9]{{3}})+") for mark in ",."
}
MARK_NAMES = {",": "comma", ".": "point"}
# Currency signs and spaces that exports put around amounts ("$ 1.234", "S/ 99,90").
DECORATION = re.compile(r"^\s*(\$|S/\.?|US\$|CLP|PEN|USD)?\s*|\s+$")
# Day first, never month first: 03/05/2024 is 3 May in Chile. ISO and year-first too.
DAY_PATTERNS = (
    (re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"), (1, 2, 3)),
    (re.compile(r"([0-9]{1,2})([-/.])([0-9]{1,2})\2([0-9]{4})"), (4, 3, 1)),
    (re.compile(r"([0-9]{4})/([0-9]{1,2})/([0-9]{1,2})"), (1, 2, 3)),
)
DEFAULT_DATE_FORMATS = "YYYY-MM-DD, DD-MM-YYYY, DD/MM/YYYY, DD.MM.YYYY or YYYY/MM/DD"
CLOCK = re.compile(r"([0-9]{1,2}):([0-9]{1,2})(?::([0-9]{1,2})(?:\.([0-9]{1,6}))?)?")
STRPTIME_TIME_FORMATS = ("%H:%M:%S", "%H:%M", "%H:%M:%S.%f")

# A number as Excel shows one too long for its General format (13-digit Shopify ids become
# 6,10001E+12 in es-CL, 6.10001E+12 elsewhere): the digits past the sixth are gone.
EXCEL_SCIENTIFIC = re.compile(r"[0-9](?:[.,][0-9]+)?E\+[0-9]{1,3}", re.IGNORECASE)
SCIENTIFIC_ID_ADVICE = (
    "Excel showed a long number in scientific notation and saved it so, losing its last "
    "digits (different customers become one); format the column as Text in Excel and export "
    "again, or export from the source system"
)


class CellError(ValueError):
    """A cell that does not hold what its column needs; the message is the reason."""


def parse_identifier(text: str) -> str:
    """An id as written, unless Excel turned it into scientific notation (``6,10001E+12``):
    such an id no longer tells customers (or orders) apart."""
    if EXCEL_SCIENTIFIC.fullmatch(text.strip()):
        raise CellError(f"{text!r} is an id in scientific notation: {SCIENTIFIC_ID_ADVICE}")
    return text


def number_text(text: str) -> str:
    """A number cell without its decoration: currency sign, spaces, no-break spaces."""
    return DECORATION.sub("", text).replace("\u00a0", "").replace(" ", "")


def parse_decimal(text: str, decimal_separator: str, *, guessed: bool = False) -> decimal.Decimal:
    """``"1.234,5"`` (decimal comma) or ``"1,234.5"`` (decimal point) as an exact Decimal.

    ``guessed``: ``decimal_separator`` was guessed from the file's delimiter, so a cell
    that reads 1000 times apart in the other convention is refused or, when its mark
    repeats, read as thousands (module docstring).
    """
    cleaned = number_text(text)
    if guessed and GROUPED_BY[decimal_separator].fullmatch(cleaned):
        if cleaned.count(decimal_separator) == 1:
            raise CellError(_ambiguous(text, cleaned, decimal_separator))
        return decimal.Decimal(cleaned.replace(decimal_separator, ""))
    if not NUMBER_PATTERNS[decimal_separator].fullmatch(cleaned):
        kind = "decimal comma" if decimal_separator == "," else "decimal point"
        raise CellError(f"{text!r} is not a number ({kind})")
    thousands = "." if decimal_separator == "," else ","
    return decimal.Decimal(cleaned.replace(thousands, "").replace(decimal_separator, "."))


def _ambiguous(text: str, cleaned: str, mark: str) -> str:
    name = MARK_NAMES[mark]
    return (
        f"{text!r} is ambiguous: {cleaned.replace(mark, '')} if the {name} separates "
        f"thousands, {cleaned.replace(mark, '.')} if it is the decimal mark; set the file's "
        "decimal_separator (',' or '.') to say which"
    )


def parse_count(text: str, decimal_separator: str, *, guessed: bool = False) -> int:
    """A whole number, thousands separators allowed (``"12.345"`` in a decimal-comma file);
    ``guessed`` as for ``parse_decimal``."""
    value = parse_decimal(text, decimal_separator, guessed=guessed)
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
    day = _strptime_day(value, date_format) if date_format else _default_day(value)
    if day is not None:
        return day
    moment = _parse_naive_timestamp(value, date_format)
    if moment is not None and moment.time() == dt.time():
        return moment.date()
    raise CellError(f"{text!r} is not a date ({date_format or DEFAULT_DATE_FORMATS})")


def parse_instant(text: str, date_format: str | None, timezone: ZoneInfo) -> dt.datetime:
    """An instant, as an aware UTC datetime; times without an offset are ``timezone``'s.

    A local time repeated when DST ends takes its first (summer) reading; one
    skipped when DST starts is read with the offset before the jump, i.e. an
    hour later on the wall clock, as Python's ``zoneinfo`` does.
    """
    value = text.strip()
    # Exports mostly write local times without an offset: try that (cheap) first.
    moment = _parse_naive_timestamp(value, date_format)
    if moment is None:
        try:
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            expected = f"{date_format} HH:MM[:SS]" if date_format else "ISO or DD-MM-YYYY HH:MM"
            raise CellError(f"{text!r} is not a date and time ({expected})") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone)
    try:
        return moment.astimezone(dt.UTC)
    except (OverflowError, ValueError):  # year 1 or 9999 shifted across the calendar's edge
        raise CellError(f"{text!r} is out of the calendar's range") from None


def format_instant(moment: dt.datetime) -> str:
    """UTC ISO 8601 with ``+00:00``, to the second (what the contract's date-times hold)."""
    if moment.utcoffset():
        moment = moment.astimezone(dt.UTC)
    return (moment.replace(microsecond=0) if moment.microsecond else moment).isoformat()


def parse_timestamp(text: str, date_format: str | None, timezone: ZoneInfo) -> str:
    """``parse_instant`` written as the contract's UTC ISO 8601 text."""
    return format_instant(parse_instant(text, date_format, timezone))


def _default_day(value: str) -> dt.date | None:
    for pattern, (year, month, day) in DAY_PATTERNS:
        match = pattern.fullmatch(value)
        if match:
            try:
                return dt.date(int(match[year]), int(match[month]), int(match[day]))
            except ValueError:  # 31-02-2024, month 13, year 0
                return None
    return None


def _strptime_day(value: str, date_format: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(value, date_format).date()
    except ValueError:
        return None


def _clock(value: str) -> dt.time | None:
    match = CLOCK.fullmatch(value)
    if match is None:
        return None
    hour, minute, second, fraction = match.groups()
    try:
        microsecond = int((fraction or "").ljust(6, "0"))
        return dt.time(int(hour), int(minute), int(second or 0), microsecond)
    except ValueError:  # 25:00, 10:61
        return None


def _parse_naive_timestamp(value: str, date_format: str | None) -> dt.datetime | None:
    date_part, _, time_part = value.partition(" ")
    time_part = time_part.strip() or "00:00"
    if date_format:
        for time_format in STRPTIME_TIME_FORMATS:
            try:
                return dt.datetime.strptime(f"{date_part} {time_part}",
                                            f"{date_format} {time_format}")  # fmt: skip
            except ValueError:
                continue
        return None
    day, clock = _default_day(date_part), _clock(time_part)
    if day is None or clock is None:
        return None
    return dt.datetime.combine(day, clock)
