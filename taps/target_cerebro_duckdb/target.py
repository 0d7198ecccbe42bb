"""Singer target landing streams in DuckDB with the raw shape of target-postgres."""

from __future__ import annotations

import typing as t

from singer_sdk import typing as th
from singer_sdk.helpers.capabilities import TargetLoadMethods
from singer_sdk.sql import SQLTarget

from target_cerebro_duckdb.sink import DEFAULT_BATCH_SIZE_ROWS, DuckDBSink

if t.TYPE_CHECKING:
    from collections.abc import Sequence

    from singer_sdk.sinks import Sink


class TargetCerebroDuckDB(SQLTarget):
    """Upsert Singer streams into DuckDB tables shaped like target-postgres' tables."""

    name = "target-cerebro-duckdb"
    package_name = "cerebro"
    default_sink_class = DuckDBSink

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
