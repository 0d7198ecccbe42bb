"""Turning an export row into a contract record, or into the reason it cannot be one.

The contract's JSON schema drives the conversion (a column's type and format
say how to parse it); a few rules the schema cannot express are checked on
top: required columns per stream, amounts and counts never negative and within
what the warehouse stores, ISO 4217 currencies, dates within a sane window, and
the run's tenant in a file that carries its own ``tenant_id`` column. A row
either becomes a record or raises ``RowRejected`` with every problem found, so
one look at the quarantine file tells the whole story.

The per-column work is decided once per file (``ColumnPlan``), not per cell:
a file of millions of rows pays for the schema lookups once.
"""

from __future__ import annotations

import datetime as dt
import typing as t
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from cerebro_raw_contract.currencies import ISO_4217_CODES
from cerebro_tap_kit.csv_errors import FileConfigError, RowRejected
from cerebro_tap_kit.csv_reader import Dialect, FileSpec
from cerebro_tap_kit.csv_values import (
    CellError,
    format_instant,
    parse_boolean,
    parse_count,
    parse_date,
    parse_decimal,
    parse_identifier,
    parse_instant,
)

__all__ = ["DateWindow", "RowConverter", "RowRejected"]

CURRENCY_COLUMNS = frozenset({"currency", "currency_code"})
# Columns filled by the tap, never read from a file.
STAMPED_COLUMNS = frozenset({"tenant_id", "source_file"})
# What the warehouse stores: BIGINT counts, DECIMAL(38, 9) amounts (29 digits before the
# mark). A bigger value would crash the target's load of the whole batch.
COUNT_LIMIT = 2**63
AMOUNT_LIMIT = Decimal(10) ** 29


@dataclass(frozen=True)
class DateWindow:
    """Dates a row may carry: from ``earliest`` to one day after the run's start.

    The floor catches placeholder dates (1970-01-01, Excel's 1900-01-00); the
    ceiling catches typos such as 2099 (no export describes the future, and a
    day of slack covers every timezone ahead of UTC).
    """

    earliest: dt.date
    latest: dt.datetime

    @classmethod
    def around(cls, now: dt.datetime, earliest: dt.date) -> DateWindow:
        return cls(earliest=earliest, latest=now.astimezone(dt.UTC) + dt.timedelta(days=1))

    def check_day(self, text: str, day: dt.date) -> dt.date:
        if day < self.earliest:
            raise CellError(self._too_early(text))
        if day > self.latest.date():
            raise CellError(f"{text!r} is in the future (after {self.latest.date()})")
        return day

    def check_instant(self, text: str, moment: dt.datetime) -> dt.datetime:
        if moment.date() < self.earliest:
            raise CellError(self._too_early(text))
        if moment > self.latest:
            raise CellError(f"{text!r} is in the future (after {format_instant(self.latest)})")
        return moment

    def _too_early(self, text: str) -> str:
        return f"{text!r} is before {self.earliest}, the earliest date accepted (earliest_date)"


@dataclass(frozen=True)
class ColumnPlan:
    """How one contract column is filled: from which cell, with which default and parser."""

    name: str
    index: int | None
    default: str
    required: bool
    parse: t.Callable[[str], t.Any]


class RowConverter:
    """Converts one file's rows for one stream; built once its header is known."""

    def __init__(
        self,
        *,
        stream: str,
        schema: dict,
        required: frozenset[str],
        spec: FileSpec,
        dialect: Dialect,
        timezone: ZoneInfo,
        window: DateWindow,
        tenant_id: str,
    ) -> None:
        self.stream, self.properties, self.required = stream, schema["properties"], required
        self.spec, self.dialect, self.timezone = spec, dialect, timezone
        self.window, self.tenant_id = window, tenant_id
        self.index = self._column_index()
        self.plan = [
            ColumnPlan(
                name=column,
                index=self.index.get(column),
                default=str(self.spec.values.get(column, "")).strip(),
                required=column in self.required,
                parse=self._parser(column, column_schema),
            )
            for column, column_schema in self.properties.items()
            if column not in STAMPED_COLUMNS
        ]

    def _column_index(self) -> dict[str, int]:
        """Contract column -> position in the file, checked against the header."""
        positions: dict[str, list[int]] = {}
        for i, name in enumerate(self.dialect.header):
            positions.setdefault(name.strip().lower(), []).append(i)
        unknown = set(self.spec.columns) - set(self.properties)
        if unknown:
            raise FileConfigError(
                f"{self.spec.path}: columns maps {sorted(unknown)}, which {self.stream} does "
                f"not have; its columns are {sorted(set(self.properties) - STAMPED_COLUMNS)}"
            )
        index = {}
        for column in self.properties:
            header = self.spec.columns.get(column, column).strip().lower()
            if header in positions:
                if len(positions[header]) > 1:
                    raise FileConfigError(
                        f"{self.spec.path}: the header has {header!r} "
                        f"{len(positions[header])} times (columns "
                        f"{', '.join(str(i + 1) for i in positions[header])}), so {column} "
                        "is ambiguous; rename the copies in the file"
                    )
                index[column] = positions[header][0]
            elif column in self.spec.columns:
                raise FileConfigError(
                    f"{self.spec.path}: no column {self.spec.columns[column]!r} (mapped to "
                    f"{column}); the header has {list(self.dialect.header)}"
                )
        missing = [c for c in sorted(self.required) if c not in index and c not in self.spec.values]
        if missing:
            raise FileConfigError(
                f"{self.spec.path}: {self.stream} needs {missing}: map them in 'columns' or give "
                f"them in 'values'; the header has {list(self.dialect.header)}"
            )
        return index

    def convert(self, cells: list[str]) -> dict[str, t.Any]:
        """The row as a record (without ``tenant_id``), or ``RowRejected``."""
        if len(cells) != len(self.dialect.header):
            raise RowRejected(
                f"{len(cells)} fields where the header has {len(self.dialect.header)}"
            )
        record, problems = {}, self._tenant_problems(cells)
        for column in self.plan:
            text = cells[column.index].strip() if column.index is not None else ""
            if not text:
                text = column.default
            if not text:
                record[column.name] = None
                if column.required:
                    problems.append(f"{column.name}: required, but empty")
                continue
            try:
                record[column.name] = column.parse(text)
            except CellError as error:
                problems.append(f"{column.name}: {error}")
        if problems:
            raise RowRejected("; ".join(problems))
        return record

    def _tenant_problems(self, cells: list[str]) -> list[str]:
        """A file with its own tenant_id column must hold the run's tenant on every row."""
        if "tenant_id" not in self.index:
            return []
        text = cells[self.index["tenant_id"]].strip()
        if text == self.tenant_id:
            return []
        found = "empty" if not text else f"{text!r}"
        return [f"tenant_id: {found}, but this run loads tenant {self.tenant_id!r}"]

    def _parser(self, column: str, schema: dict) -> t.Callable[[str], t.Any]:
        """The cell parser for a column, from its JSON schema type and format."""
        kinds = _types(schema)
        separator, guessed = self.dialect.decimal_separator, self.dialect.decimal_guessed
        if "integer" in kinds:
            return lambda text: _within_limits(
                text, parse_count(text, separator, guessed=guessed), COUNT_LIMIT
            )
        if "number" in kinds:
            return lambda text: _within_limits(
                text, parse_decimal(text, separator, guessed=guessed), AMOUNT_LIMIT
            )
        if "boolean" in kinds:
            return parse_boolean
        if schema.get("format") == "date":
            date_format = self.spec.date_format
            return lambda text: self.window.check_day(
                text, parse_date(text, date_format)
            ).isoformat()
        if schema.get("format") == "date-time":
            date_format, zone = self.spec.date_format, self.timezone
            return lambda text: format_instant(
                self.window.check_instant(text, parse_instant(text, date_format, zone))
            )
        if column in CURRENCY_COLUMNS:
            return _currency
        if column == "id" or column.endswith("_id"):
            return parse_identifier
        return str


def _within_limits(text: str, value: int | Decimal, limit: int | Decimal) -> int | Decimal:
    """Amounts and counts are never negative (refunds are rows of their own) and stay
    below ``limit``, the first value the warehouse cannot store."""
    if value < 0:
        raise CellError(f"{value} is negative")
    if value >= limit:
        raise CellError(f"{text!r} is too large for the warehouse")
    return value


def _currency(text: str) -> str:
    if text.upper() not in ISO_4217_CODES:
        raise CellError(f"{text!r} is not an ISO 4217 currency code")
    return text.upper()


def _types(schema: dict) -> list[str]:
    return schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
