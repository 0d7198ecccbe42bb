"""Sink turning a batch of Singer records into one set-based DuckDB load."""

from __future__ import annotations

import datetime
import math
import re
import typing as t
from decimal import Decimal

import fastjsonschema
import pyarrow as pa
from singer_sdk.exceptions import InvalidRecord
from singer_sdk.helpers.capabilities import TargetLoadMethods
from singer_sdk.sinks.core import BaseJSONSchemaValidator, JSONSchemaValidator
from singer_sdk.sql import SQLSink

from target_cerebro_duckdb.connector import ROW_ORDER_COLUMN, BadValueError, DuckDBConnector

if t.TYPE_CHECKING:
    from collections.abc import Callable

#: Rows per batch unless `batch_size_rows` says otherwise: large enough that each
#: DuckDB transaction amortises its fixed cost, small enough to keep a batch of Python
#: record dicts in a few hundred MB.
DEFAULT_BATCH_SIZE_ROWS = 50_000

_INTEGER_TYPES = frozenset({"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT"})

#: Column types whose values usually arrive as one Python type (the SDK parses date-like
#: strings) and convert to Arrow without text. Aware datetimes become UTC in Arrow's
#: naive timestamp; naive ones are taken as UTC already. Other batches go through text.
_NATIVE_ARROW_TYPES: dict[str, tuple[type, pa.DataType]] = {
    "VARCHAR": (str, pa.string()),
    "BIGINT": (int, pa.int64()),
    "BOOLEAN": (bool, pa.bool_()),
    "TIMESTAMP": (datetime.datetime, pa.timestamp("us")),
    "DATE": (datetime.date, pa.date32()),
}
_INTEGER_TEXT = re.compile(r"[+-]?\d+")

#: The parsers the SDK itself applies to date-like properties (Python 3.11+).
_DATELIKE_PARSERS: dict[str, Callable[[str], object]] = {
    "date-time": datetime.datetime.fromisoformat,
    "date": datetime.date.fromisoformat,
    "time": datetime.time.fromisoformat,
}


class _NotAnInteger(ValueError):
    """A value that would be rounded, not just parsed, into an integer column."""

    def __init__(self, value: object) -> None:
        super().__init__(value)
        self.value = value


def _datelike_format(property_schema: dict) -> str | None:
    """Return the date-like format the SDK parses for a property, if any."""
    for candidate in (property_schema, *property_schema.get("anyOf", ())):
        if "string" in candidate.get("type", ()) and candidate.get("format") in _DATELIKE_PARSERS:
            return candidate["format"]
    return None


def _scalar_text(value: object, serialize: Callable[[object], str]) -> str | None:
    """Render a value as text DuckDB casts to the column type."""
    if value is None or type(value) is str:
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return serialize(value)
    # int, Decimal, float and the SDK's parsed date/datetime/time objects; a datetime
    # keeps its UTC offset, which the cast uses.
    return str(value)


def _integer_text(value: object) -> str | None:
    """Render an integer as text, refusing what DuckDB would silently round."""
    if value is None or type(value) is int:
        return None if value is None else str(value)
    # DuckDB casts the text '1.5' to BIGINT 2, so only whole numbers may pass.
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return str(int(value))
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    if isinstance(value, str) and _INTEGER_TEXT.fullmatch(value.strip()):
        return value.strip()
    raise _NotAnInteger(value)


#: JSON Schema keywords that mean the same in draft 7, which fastjsonschema compiles, and in
#: 2020-12, the SDK's validator (``format`` is checked by neither: the SDK turns format
#: checks off, and so does the compiled check).
_KEYWORDS_BOTH_DRAFTS_SHARE = frozenset(
    {"type", "properties", "required", "additionalProperties", "format", "anyOf", "enum",
     "title", "description"}
)  # fmt: skip


def _keywords(schema: object) -> set[str]:
    """Every keyword a schema uses (the names under ``properties`` are columns, not
    keywords)."""
    if isinstance(schema, list):
        return set().union(*(_keywords(item) for item in schema))
    if not isinstance(schema, dict):
        return set()
    found = set(schema)
    for keyword, value in schema.items():
        nested = value.values() if keyword == "properties" else [value]
        for item in nested:
            found |= _keywords(item)
    return found


def compiled_check(schema: dict) -> Callable[[dict], object] | None:
    """The schema compiled to Python (fastjsonschema), or None where it uses a keyword the
    two drafts may read differently. It decides valid records only: a record it refuses goes
    to the SDK's validator, whose error names the column and which alone may refuse."""
    if not _keywords(schema) <= _KEYWORDS_BOTH_DRAFTS_SHARE:
        return None
    return fastjsonschema.compile(schema, use_default=False, use_formats=False)


class RecordChecker(BaseJSONSchemaValidator):
    """Check records so a bad one fails naming the stream, the column and the value.

    With `validate_records` the SDK's JSON Schema validation runs and its errors are
    reworded; a record the schema compiled to Python accepts skips it (two thirds of the
    landing's time went to validating valid records). Date-like strings are always checked,
    because the SDK parses them before the sink sees the record and its own parse error does
    not name the stream.
    """

    def __init__(self, schema: dict, *, stream_name: str, validate_types: bool) -> None:
        """Prepare the checks for a stream schema."""
        super().__init__(schema)
        self.stream_name = stream_name
        self._schema_validator = JSONSchemaValidator(schema) if validate_types else None
        self._compiled = compiled_check(schema) if validate_types else None
        self._datelike = {
            name: fmt
            for name, property_schema in schema["properties"].items()
            if (fmt := _datelike_format(property_schema))
        }

    def validate(self, record: dict) -> None:
        """Raise `InvalidRecord` with the stream, column and value of the first problem."""
        if self._schema_validator is not None and not self._compiled_accepts(record):
            try:
                self._schema_validator.validate(record)
            except InvalidRecord as exc:
                raise InvalidRecord(self._describe(exc, record), record) from exc
        for name, fmt in self._datelike.items():
            value = record.get(name)
            if isinstance(value, str):
                try:
                    _DATELIKE_PARSERS[fmt](value)
                except ValueError as exc:
                    msg = (
                        f"Stream '{self.stream_name}': value {value!r} in column '{name}' "
                        f"is not an ISO 8601 {fmt}."
                    )
                    raise InvalidRecord(msg, record) from exc

    def _compiled_accepts(self, record: dict) -> bool:
        if self._compiled is None:
            return False
        try:
            self._compiled(record)
        except fastjsonschema.JsonSchemaValueException:
            return False
        return True

    def _describe(self, exc: InvalidRecord, record: dict) -> str:
        # The SDK keeps jsonschema's error as the cause; its path starts at the column.
        path = list(getattr(exc.__cause__, "path", ()))
        if path and path[0] in record:
            column = path[0]
            return (
                f"Stream '{self.stream_name}': value {record[column]!r} in column "
                f"'{column}' is invalid: {exc.error_message}"
            )
        return f"Stream '{self.stream_name}': {exc.error_message}"


class DuckDBSink(SQLSink[DuckDBConnector]):
    """Land each batch as Arrow columns, cast and upserted in one DuckDB transaction."""

    connector_class = DuckDBConnector
    MAX_SIZE_DEFAULT = DEFAULT_BATCH_SIZE_ROWS

    def conform_name(self, name: str, object_type: str | None = None) -> str:
        """Keep names as sent, as target-postgres does, so both warehouses match."""
        return name

    def get_validator(self) -> BaseJSONSchemaValidator | None:
        """Return the checker that names stream, column and value in its errors."""
        return RecordChecker(
            self.schema, stream_name=self.stream_name, validate_types=self.validate_schema
        )

    def _validate_and_parse(self, record: dict) -> dict:
        """Check the record, then parse its date-like strings as the SDK does.

        The SDK's version logs every invalid record with its traceback before raising; the
        error itself names stream, column and value, and the command line reports it in one
        line (``TargetCerebroDuckDB.invoke``).
        """
        self._validator.validate(record)
        self._parse_timestamps_in_record(
            record=record, schema=self.schema, treatment=self.datetime_error_treatment
        )
        return record

    def setup(self) -> None:
        """Create schema and table (or add new columns) and plan the batch columns."""
        super().setup()
        stored = {
            name.casefold(): sql_type
            for name, sql_type in self.connector.get_column_types(self.full_table_name).items()
        }
        self._column_types = {name: stored[name.casefold()] for name in self.schema["properties"]}
        append_only = self.config.get("load_method") == TargetLoadMethods.APPEND_ONLY
        self._upsert_keys = [] if append_only else list(self.key_properties)

    def process_batch(self, context: dict) -> None:
        """Write the batch; with key properties the last record per key wins.

        Raises:
            BadValueError: naming stream, column and value, if a value cannot land.
        """
        records = context.get("records") or []
        if not records:
            return
        inserted = self.connector.write_batch(
            stream_name=self.stream_name,
            full_table_name=self.full_table_name,
            batch=self._to_arrow(records),
            column_types=self._column_types,
            key_columns=self._upsert_keys,
        )
        if merged := len(records) - inserted:
            self.tally_duplicate_merged(merged)

    def activate_version(self, new_version: int) -> None:
        """Write pending records, then mark or delete rows of older table versions.

        The SDK's SQL sink activates without writing the batch it holds, so those
        records would escape the version sweep; target-postgres drains first too.
        """
        if self.current_size:
            self.process_batch(self.start_drain())
            self.mark_drained()
        super().activate_version(new_version)

    def clean_up(self) -> None:
        """Release the database file once the stream is done."""
        super().clean_up()
        self.connector.dispose()

    def _to_arrow(self, records: list[dict]) -> pa.Table:
        """Return the batch as one column per property plus the arrival order."""
        arrays: dict[str, pa.Array] = {}
        for name, sql_type in self._column_types.items():
            values = [record.get(name) for record in records]
            if name in self._upsert_keys and None in values:
                msg = (
                    f"Stream '{self.stream_name}': key column '{name}' is null in record "
                    f"{values.index(None) + 1} of the batch; the batch was not written."
                )
                raise BadValueError(msg)
            arrays[name] = self._column_array(name, values, sql_type)
        arrays[ROW_ORDER_COLUMN] = pa.array(range(len(records)), pa.int64())
        return pa.table(arrays)

    def _column_array(self, name: str, values: list, sql_type: str) -> pa.Array:
        """Return one batch column: native Arrow when the SDK delivered native values."""
        if native := _NATIVE_ARROW_TYPES.get(sql_type):
            python_type, arrow_type = native
            # Exact type checks: bool is an int subclass and datetime a date subclass,
            # and Arrow would silently turn either into the other.
            if all(value is None or type(value) is python_type for value in values):
                try:
                    return pa.array(values, arrow_type)
                except (pa.ArrowException, OverflowError):
                    pass  # e.g. an integer beyond BIGINT: the cast below names it.
        serialize = self.connector.serialize_json
        if sql_type == "JSON":
            return pa.array(
                [None if value is None else serialize(value) for value in values], pa.string()
            )
        if sql_type not in _INTEGER_TYPES:
            return pa.array([_scalar_text(value, serialize) for value in values], pa.string())
        try:
            return pa.array([_integer_text(value) for value in values], pa.string())
        except _NotAnInteger as exc:
            row = next(i for i, value in enumerate(values) if value is exc.value) + 1
            msg = (
                f"Stream '{self.stream_name}': value {exc.value!r} in column '{name}' "
                f"is not an integer (record {row} of the batch); the batch was not written."
            )
            raise BadValueError(msg) from exc
