"""Columns of a text table read as numbers or as days, in the CSV tap's cell grammar.

Numbers: the tap's ``parse_decimal`` reads one convention at a time, so the convention of a
column is decided first, from all of its values. ``1.234.567``, ``1.234,5`` and ``12,5`` can
only be dot-thousands with a decimal comma; ``1,234.5``, ``12.5`` and ``12.3456`` only a
decimal point. ``11.957`` alone could be either (11 957 pesos or 11.957): in a ``;`` file (Excel
where the decimal mark is a comma, as in es-CL, the CSV tap's rule too) it is 11 957; in any
other file a column whose only separated values look like that is refused, with the option
that settles it, rather than read 1000 times off; so is a column with evidence for both
conventions.

Days: ISO or day-first (the tap's ``parse_date``: 05/03/2024 is 5 March, never 3 May), or a
timestamp. A timestamp's day is the day written in it (the local day of the export), unless
a timezone is given and the timestamp has an offset (``-03``, ``-03:00``, ``Z``): that instant
is then converted to the timezone first. A month (``2024-03``) is not a day.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
from cerebro_tap_kit.csv_values import (
    DEFAULT_DATE_FORMATS,
    NUMBER_PATTERNS,
    CellError,
    number_text,
    parse_date,
    parse_decimal,
    parse_identifier,
    parse_instant,
)

from cerebro.csv_input.table import CsvInputError, TextTable

AMBIGUOUS = "ambiguous"
MONTH = re.compile(r"[0-9]{4}[-/.][0-9]{1,2}|[0-9]{1,2}[-/.][0-9]{4}")
# A time of day, then an offset as ISO 8601, psql and DuckDB write it: Z, -03, -0300, -03:00.
OFFSET = re.compile(
    r"(.+?[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?)\s*(Z|[+-][0-9]{2}(?::?[0-9]{2})?)",
    re.IGNORECASE,
)
UTC = ZoneInfo("UTC")
DIGIT = re.compile(r"[0-9]")


class ParsedColumn(NamedTuple):
    """A column read: ``values`` (NaN / NaT where a cell was not read) and, per row, why not
    (``problems``: "" where the cell was read)."""

    values: pd.Series
    problems: pd.Series


class MonthNotDay(CellError):
    """A cell that names a month where a day is needed."""


def column_decimal_separator(table: TextTable, column: str, given: str = "auto") -> str:
    """``given`` unless auto; else the separator the values of ``column`` show (see above)."""
    if given != "auto":
        return given
    cells = table.column(column)
    kinds = cells.map(_cached(lambda text: _evidence(number_text(text)), cells))
    first = {kind: _first(kinds == kind) for kind in (",", ".", AMBIGUOUS)}
    comma, point, ambiguous = first[","], first["."], first[AMBIGUOUS]
    if comma is not None and point is not None:
        raise CsvInputError(
            f"{table.path}: column {column!r} mixes decimal separators: "
            f"{cells.iloc[comma]!r} ({table.where(comma)}) has a decimal comma, "
            f"{cells.iloc[point]!r} ({table.where(point)}) a decimal point; pass "
            "--decimal-separator , or --decimal-separator . (the other values are then refused)"
        )
    if comma is not None or point is not None:
        return "," if comma is not None else "."
    if ambiguous is not None and table.delimiter == ";":
        # Excel saves ';' where the decimal mark is ',' (es-CL): 11.957 pesos there is 11957.
        return ","
    if ambiguous is not None:
        text = cells.iloc[ambiguous]
        mark = "." if "." in number_text(text) else ","
        other = "," if mark == "." else "."
        as_thousands, as_decimal = parse_decimal(text, other), parse_decimal(text, mark)
        raise CsvInputError(
            f"{table.path}: column {column!r} cannot tell its decimal separator: {text!r} "
            f"({table.where(ambiguous)}) is {as_thousands} if {mark!r} separates thousands or "
            f"{as_decimal} if it is the decimal mark, and no value says which; pass "
            f"--decimal-separator {other} for {as_thousands} or --decimal-separator {mark} "
            f"for {as_decimal}"
        )
    return "."  # whole numbers only: either reading gives the same values


def parse_numbers(
    table: TextTable, column: str, *, decimal_separator: str = "auto", noun: str = "number"
) -> ParsedColumn:
    """The numbers of ``column`` as floats; a cell that is not one is NaN, "non-numeric <noun>"."""
    read = _read_numbers(
        table.column(column), column_decimal_separator(table, column, decimal_separator)
    )
    values = read.map(lambda value: np.nan if value is None else float(value))
    problems = pd.Series(np.where(read.isna(), f"non-numeric {noun}", ""), dtype=str)
    return ParsedColumn(values.astype(float), problems)


def parse_days(
    table: TextTable, column: str, *, timezone: str | None = None, noun: str = "date"
) -> ParsedColumn:
    """The days of ``column`` (datetime64 at midnight); a cell that is not one is NaT, with
    "unparseable <noun>" or "<noun> is a month, not a day"."""
    zone = named_timezone(timezone)
    cells = table.column(column)

    def read(text: str) -> tuple[dt.date | None, str]:
        try:
            return read_day(text, zone), ""
        except MonthNotDay:
            return None, f"{noun} is a month, not a day"
        except CellError:
            return None, f"unparseable {noun}"

    read_cells = cells.map(_cached(read, cells))
    values = pd.to_datetime(read_cells.map(lambda pair: pair[0]))
    return ParsedColumn(values, read_cells.map(lambda pair: pair[1]).astype(str))


def read_day(text: str, timezone: ZoneInfo | None = None) -> dt.date:
    """The day of a date or timestamp cell (see above); raises ``CellError`` saying why not."""
    value = text.strip()
    if MONTH.fullmatch(value):
        raise MonthNotDay(f"{text!r} is a month, not a day")
    try:
        return parse_date(value, None)
    except CellError:
        pass
    match = OFFSET.fullmatch(value)
    local, offset = (match[1], _offset(match[2])) if match else (value, None)
    try:
        # The tap's grammar for a time of day; read as UTC it comes back as written.
        moment = parse_instant(local, None, UTC).replace(tzinfo=None)
    except CellError:
        moment = None
    if moment is None or (match and offset is None):
        raise CellError(f"{text!r} is not a date ({DEFAULT_DATE_FORMATS}, or with a time)")
    if offset is None or timezone is None:
        return moment.date()
    return (moment - offset).replace(tzinfo=dt.UTC).astimezone(timezone).date()


def named_timezone(name: str | None) -> ZoneInfo | None:
    """The IANA zone ``name`` (None for None); an error naming the option otherwise."""
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CsvInputError(
            f"unknown timezone {name!r} (--timezone): use an IANA name such as America/Santiago"
        ) from None


def normalized_frame(
    table: TextTable,
    *,
    day_columns: list[str],
    number_columns: list[str],
    decimal_separator: str = "auto",
    timezone: str | None = None,
) -> pd.DataFrame:
    """The table's text in the one form pandas reads without guessing, for a model whose own
    validation names its columns' problems: days as YYYY-MM-DD, numbers with a decimal point
    and no thousands separator. Columns the header lacks are left to that validation.

    A day that cannot be read, a number with digits the column's convention cannot read, or a
    row of the wrong shape is an error naming its line. A number cell without digits ('n/a',
    empty) is left as written: the model's validation names it with its role.
    """
    for position in np.flatnonzero(table.problems.to_numpy() != ""):
        raise CsvInputError(f"{table.path}: {table.where(position)}: {table.problems[position]}")
    frame = table.frame.copy()
    present = set(frame.columns)
    for column in (c for c in day_columns if c in present):
        days = parse_days(table, column, timezone=timezone)
        _stop_at_first(table, column, days.problems, hint=f" (use {DEFAULT_DATE_FORMATS})")
        frame[column] = days.values.dt.strftime("%Y-%m-%d")
    for column in (c for c in number_columns if c in present):
        separator = column_decimal_separator(table, column, decimal_separator)
        cells = table.column(column)
        read = _read_numbers(cells, separator)
        unread = read.isna() & cells.str.contains(DIGIT)
        mark = "a decimal comma" if separator == "," else "a decimal point"
        problems = pd.Series(np.where(unread, f"not a number with {mark}", ""), dtype=str)
        _stop_at_first(table, column, problems, hint="")
        frame[column] = cells.where(read.isna(), read.map(str))
    return frame


def check_identifiers(table: TextTable, column: str) -> None:
    """Stop at the first id in scientific notation (``6,10001E+12``): Excel lost its last
    digits, so thousands of customers would silently become a few hundred. The whole file is
    refused, not the rows: every long id of the column went the same way."""
    cells = table.column(column).str.strip()
    problems = cells.map(_cached(_identifier_problem, cells))
    bad = int((problems != "").sum())
    hint = f" ({bad} of {len(cells)} ids)" if bad > 1 else ""
    if bad:
        position = _first(problems != "")
        raise CsvInputError(
            f"{table.path}: column {column!r}, {table.where(position)}{hint}: "
            f"{problems.iloc[position]}"
        )


def _identifier_problem(text: str) -> str:
    try:
        parse_identifier(text)
    except CellError as error:
        return str(error)
    return ""


def _read_numbers(cells: pd.Series, separator: str) -> pd.Series:
    """Each cell as a Decimal, None where ``separator``'s convention cannot read it."""

    def read(text: str):
        try:
            return parse_decimal(text, separator)
        except CellError:
            return None

    return cells.map(_cached(read, cells)).astype(object)


def _stop_at_first(table: TextTable, column: str, problems: pd.Series, hint: str) -> None:
    bad = np.flatnonzero(problems.to_numpy() != "")
    if len(bad):
        position = int(bad[0])
        raise CsvInputError(
            f"{table.path}: column {column!r}, {table.where(position)}: "
            f"{table.frame[column].iloc[position]!r}: {problems.iloc[position]}{hint}"
            + (f" ({len(bad) - 1} more rows like it)" if len(bad) > 1 else "")
        )


def _evidence(text: str) -> str | None:
    """The decimal separator a number shows: ',' or '.', AMBIGUOUS (one separator followed by
    three digits: 11.957, 1,234), or None (no separator, or not a number)."""
    comma = NUMBER_PATTERNS[","].fullmatch(text) is not None
    point = NUMBER_PATTERNS["."].fullmatch(text) is not None
    if comma != point:
        return "," if comma else "."
    digits = text.removeprefix("-")
    if not comma or digits.isdigit():
        return None
    # A thousands group never starts with 0: 0.125 and 0,125 are decimals.
    return ("." if "." in digits else ",") if digits.startswith("0") else AMBIGUOUS


def _offset(text: str) -> dt.timedelta | None:
    if text.upper() == "Z":
        return dt.timedelta(0)
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        return None
    sign = -1 if text[0] == "-" else 1
    return sign * dt.timedelta(hours=hours, minutes=minutes)


def _cached(function, cells: pd.Series):
    """``function`` looked up per distinct cell: exports repeat dates and amounts a lot."""
    results = {text: function(text) for text in pd.unique(cells)}
    return results.__getitem__


def _first(mask: pd.Series) -> int | None:
    positions = np.flatnonzero(mask.to_numpy())
    return int(positions[0]) if len(positions) else None
