"""Singer target landing streams in DuckDB with the raw shape of target-postgres."""

from __future__ import annotations

import json
import typing as t

from cerebro_tap_kit.clear_errors import ClearErrors
from singer_sdk import typing as th
from singer_sdk.exceptions import InvalidInputLine, InvalidRecord, RecordsWithoutSchemaException
from singer_sdk.helpers.capabilities import TargetLoadMethods
from singer_sdk.io_base import SingerMessageType, SingerReader
from singer_sdk.singerlib.json import deserialize_json
from singer_sdk.sql import SQLTarget

from target_cerebro_duckdb.connector import BadValueError, DatabaseFileError, SchemaConflictError
from target_cerebro_duckdb.sink import DEFAULT_BATCH_SIZE_ROWS, DuckDBSink

if t.TYPE_CHECKING:
    from collections.abc import Sequence

    from singer_sdk.sinks import Sink


#: Input the target refuses: a line that is not a Singer message (a tap killed mid-write tears
#: its last one; an unknown message type might carry rows), a record of a stream with no
#: SCHEMA before it, a value its column cannot hold, a schema its table cannot take. The fix
#: is upstream, in the tap or the source, so the error is all the log needs to say.
REFUSED_INPUT = (
    InvalidInputLine,
    InvalidRecord,
    BadValueError,
    RecordsWithoutSchemaException,
    SchemaConflictError,
)
MESSAGE_TYPES = frozenset(message_type.value for message_type in SingerMessageType)
#: A refused line is quoted up to this many characters: enough to recognise, not a whole record.
QUOTED_LINE_CHARS = 200


class NumberedLineReader(SingerReader):
    """Reads Singer messages as the SDK does, but names a line that is not JSON by its number
    (the SDK logs the whole line with a traceback, then raises)."""

    lines_read = 0

    def deserialize_json(self, line: str) -> dict:
        """One message; ``InvalidInputLine`` saying which line, quoting its start.

        A message of a type the Singer spec does not define is refused, not skipped (the
        SDK raises without the line): it may be a tap's misspelt RECORD, and skipping it
        would drop rows without a word.
        """
        self.lines_read += 1
        try:
            message = deserialize_json(line)
        except json.JSONDecodeError as error:
            why = f"not valid JSON from column {error.colno}"
            raise InvalidInputLine(self._refused(line, why)) from None
        if not isinstance(message, dict):
            raise InvalidInputLine(self._refused(line, "not a JSON object"))
        if message.get("type") not in MESSAGE_TYPES:
            found = f"type {message['type']!r}" if "type" in message else "no type"
            why = f"{found}; a message's type is one of {', '.join(sorted(MESSAGE_TYPES))}"
            raise InvalidInputLine(self._refused(line, why))
        return message

    def _refused(self, line: str, why: str) -> str:
        text = line.rstrip("\n")
        quoted = text[:QUOTED_LINE_CHARS] + ("…" if len(text) > QUOTED_LINE_CHARS else "")
        return f"input line {self.lines_read} is not a Singer message ({why}): {quoted!r}"


def refusal(error: Exception) -> str:
    """The refused input and why, in one line."""
    return " ".join(str(error).split()).removeprefix("Record Message Validation Error: ")


class TargetCerebroDuckDB(ClearErrors, SQLTarget):
    """Upsert Singer streams into DuckDB tables shaped like target-postgres' tables."""

    name = "target-cerebro-duckdb"
    package_name = "cerebro"
    default_sink_class = DuckDBSink
    message_reader_class = NumberedLineReader
    clear_errors = (*REFUSED_INPUT, DatabaseFileError)

    config_jsonschema = th.PropertiesList(
        th.Property(
            "path",
            th.StringType,
            required=True,
            description=(
                "Path of the DuckDB database file; it and its folder are created if missing."
            ),
        ),
        th.Property(
            "default_target_schema",
            th.StringType,
            description=(
                "Schema the stream tables land in, created if missing. Unset, a stream "
                "named `<schema>-<table>` lands in `<schema>` and any other in `main`."
            ),
        ),
        th.Property(
            "add_record_metadata",
            th.BooleanType,
            default=True,
            description=(
                "Add the SDK's `_sdc_extracted_at`, `_sdc_received_at`, "
                "`_sdc_batched_at`, `_sdc_deleted_at`, `_sdc_sequence`, "
                "`_sdc_table_version` and `_sdc_sync_started_at` columns, as "
                "target-postgres does by default."
            ),
        ),
        th.Property(
            "load_method",
            th.StringType,
            default=TargetLoadMethods.UPSERT.value,
            allowed_values=[method.value for method in TargetLoadMethods],
            description=(
                "`upsert`: a record replaces the stored row with the same key properties "
                "(streams without keys append). `append-only`: every record is "
                "appended. `overwrite`: each table is emptied the first time this run "
                "writes it, then upserted."
            ),
        ),
        th.Property(
            "batch_size_rows",
            th.IntegerType,
            default=DEFAULT_BATCH_SIZE_ROWS,
            description=(
                "Records per stream collected before they are written in one transaction."
            ),
        ),
        th.Property(
            "validate_records",
            th.BooleanType,
            default=True,
            description=(
                "Validate each record against its stream's JSON Schema. Date and "
                "timestamp strings are checked either way, and values that cannot be "
                "cast to their column always fail the batch."
            ),
        ),
    ).to_dict()

    @classmethod
    def error_line(cls, error: BaseException) -> str:
        """Refused input and an unusable database file are one error line, exit 2.

        Batches committed before it stay landed and their state was emitted; the refused batch
        is not written, so the next run sends it again (bugs still get their traceback).
        """
        return refusal(error)

    @property
    def max_parallelism(self) -> int:
        """Drain one sink at a time.

        DuckDB already parallelises each statement and the batch conversion holds the
        GIL, so draining sinks in threads only adds writers contending for one file.
        """
        return 1

    def get_sink(
        self,
        stream_name: str,
        *,
        record: dict | None = None,
        schema: dict | None = None,
        key_properties: Sequence[str] | None = None,
    ) -> Sink:
        """Return the stream's sink, first writing what it holds if its schema changes.

        The SDK keeps a replaced sink's records until the next full drain, after which
        newer batches of the same stream may already have landed; writing them now
        keeps "the last record received wins" across schema changes.
        """
        if schema is not None and self.sink_exists(stream_name):
            self.drain_one(super().get_sink(stream_name))
        return super().get_sink(
            stream_name, record=record, schema=schema, key_properties=key_properties
        )
