"""Turning an export row into a contract record, or into the reason it cannot be one.

The contract's JSON schema drives the conversion (a column's type and format
say how to parse it); a few rules the schema cannot express are checked on
top: required columns per stream, amounts and counts never negative, ISO 4217
currencies. A row either becomes a record or raises ``RowRejected`` with every
problem found, so one look at the quarantine file tells the whole story.
"""

from __future__ import annotations

import typing as t
from zoneinfo import ZoneInfo

from tap_cerebro_csv.currencies import ISO_4217_CURRENCIES
from tap_cerebro_csv.reader import Dialect, FileConfigError, FileSpec
from tap_cerebro_csv.values import (
    CellError,
    parse_boolean,
    parse_count,
    parse_date,
    parse_decimal,
    parse_timestamp,
)

CURRENCY_COLUMNS = frozenset({"currency", "currency_code"})
# Columns filled by the tap, never read from a file.
STAMPED_COLUMNS = frozenset({"tenant_id", "source_file"})


class RowRejected(ValueError):
    """The row breaks the contract; ``str()`` lists every reason."""


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
    ) -> None:
        self.stream, self.properties, self.required = stream, schema["properties"], required
        self.spec, self.dialect, self.timezone = spec, dialect, timezone
        self.index = self._column_index()

    def _column_index(self) -> dict[str, int]:
        """Contract column -> position in the file, checked against the header."""
        by_name = {name.strip().lower(): i for i, name in enumerate(self.dialect.header)}
        unknown = set(self.spec.columns) - set(self.properties)
        if unknown:
            raise FileConfigError(
                f"{self.spec.path}: columns maps {sorted(unknown)}, which {self.stream} does "
                f"not have; its columns are {sorted(set(self.properties) - STAMPED_COLUMNS)}"
            )
        index = {}
        for column in self.properties:
            header = self.spec.columns.get(column, column).strip().lower()
            if header in by_name:
                index[column] = by_name[header]
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
        record, problems = {}, []
        for column, schema in self.properties.items():
            if column in STAMPED_COLUMNS:
                continue
            text = cells[self.index[column]].strip() if column in self.index else ""
            if text == "" and column in self.spec.values:
                text = str(self.spec.values[column])
            try:
                record[column] = self._value(column, schema, text)
            except CellError as error:
                problems.append(f"{column}: {error}")
        problems += self._rule_violations(record)
        if problems:
            raise RowRejected("; ".join(problems))
        return record

    def _value(self, column: str, schema: dict, text: str) -> t.Any:
        if text == "":
            if column in self.required:
                raise CellError("required, but empty")
            return None
        kinds = _types(schema)
        separator = self.dialect.decimal_separator
        if "integer" in kinds:
            return parse_count(text, separator)
        if "number" in kinds:
            return parse_decimal(text, separator)
        if "boolean" in kinds:
            return parse_boolean(text)
        if schema.get("format") == "date":
            return parse_date(text, self.spec.date_format).isoformat()
        if schema.get("format") == "date-time":
            return parse_timestamp(text, self.spec.date_format, self.timezone)
        if column in CURRENCY_COLUMNS:
            if text.upper() not in ISO_4217_CURRENCIES:
                raise CellError(f"{text!r} is not an ISO 4217 currency code")
            return text.upper()
        return text

    def _rule_violations(self, record: dict[str, t.Any]) -> list[str]:
        """Amounts and counts are never negative (refunds are rows of their own)."""
        return [
            f"{column}: {record[column]} is negative"
            for column, schema in self.properties.items()
            if {"integer", "number"} & set(_types(schema))
            and record.get(column) is not None
            and record[column] < 0
        ]


def _types(schema: dict) -> list[str]:
    return schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
