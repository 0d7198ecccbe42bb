"""DuckDB connection, table DDL and the set-based batch load.

Types and table layout mirror meltanolabs-target-postgres so one dbt project reads the
raw tables of both warehouses; where DuckDB differs, the comment says why.
"""

from __future__ import annotations

import re
import typing as t
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import sqlalchemy as sa
from singer_sdk.helpers.capabilities import TargetLoadMethods
from singer_sdk.sql import SQLConnector
from singer_sdk.sql.connector import JSONSchemaToSQL
from sqlalchemy import types as sqltypes

if t.TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    import pyarrow as pa
    from singer_sdk.sql.connector import FullyQualifiedName

#: Exact decimals for money: DOUBLE would land 0.1 + 0.2 as 0.30000000000000004 and
#: break cent-level reconciliation. 38 digits is DuckDB's widest DECIMAL; 9 decimal
#: places cover currency amounts and rates (more decimal places are rounded).
NUMBER_TYPE = sqltypes.DECIMAL(38, 9)

#: Batch column holding each record's arrival order, used to keep the last duplicate.
ROW_ORDER_COLUMN = "_cerebro_batch_row"

#: Column types by precedence when a property allows several JSON types, the same
#: order target-postgres uses (JSON before text before dates before numbers).
_TYPE_PRECEDENCE = (
    sqltypes.JSON,
    sqltypes.VARCHAR,
    sqltypes.TIMESTAMP,
    sqltypes.DATE,
    sqltypes.TIME,
    sqltypes.DECIMAL,
    sqltypes.BIGINT,
    sqltypes.BOOLEAN,
)

_DEFAULT_SCHEMA = "main"


def quote_identifier(name: str) -> str:
    """Quote a DuckDB identifier, whatever characters the name holds."""
    return '"' + name.replace('"', '""') + '"'


def cast_expression(column_sql: str, sql_type: str, *, strict: bool = True) -> str:
    """Return SQL turning a batch column (text or Arrow-native) into `sql_type`.

    With `strict=False` the expression uses `try_cast` and yields NULL instead of
    failing, which is how a failed batch finds its offending value.
    """
    cast = "cast" if strict else "try_cast"
    if sql_type == "VARCHAR":
        return column_sql
    if sql_type == "TIMESTAMP":
        # Parse text with its offset into an instant, then render it in the session
        # time zone, which the engine pins to UTC; text without an offset, and Arrow's
        # naive timestamps (already UTC), are read as UTC, so they pass unchanged.
        return f"{cast}({cast}({column_sql} as timestamptz) as timestamp)"
    return f"{cast}({column_sql} as {sql_type})"


@dataclass(frozen=True)
class UncastableValue:
    """The first value of a batch that its column type cannot hold."""

    column: str
    value: object
    sql_type: str
    row_number: int


class BadValueError(ValueError):
    """A record value cannot land in its column; the whole batch is rejected."""


class SchemaConflictError(ValueError):
    """A stream's schema cannot be landed in its table as it is; nothing of it is written."""


class DatabaseFileError(OSError):
    """The DuckDB file cannot be opened (locked, not a database, an unusable folder)."""


class JSONSchemaToDuckDB(JSONSchemaToSQL):
    """Map JSON Schema properties to the DuckDB column types target-postgres also uses."""

    def __init__(self, *, max_varchar_length: int | None = None) -> None:
        """Register DuckDB types over the SDK defaults."""
        super().__init__(max_varchar_length=max_varchar_length)
        self.register_type_handler("integer", sqltypes.BIGINT)
        self.register_type_handler("number", lambda _schema: NUMBER_TYPE)
        self.register_type_handler("object", sqltypes.JSON)
        self.register_type_handler("array", sqltypes.JSON)
        # Naive TIMESTAMP holding UTC, like target-postgres' TIMESTAMP WITHOUT TIME ZONE.
        self.register_format_handler("date-time", sqltypes.TIMESTAMP)
        # Plain text, as in target-postgres, except that it types uuid as UUID: here a
        # tap's loosely formatted "uuid" strings must not fail a load.
        for text_format in ("uuid", "email", "uri", "hostname", "ipv4", "ipv6"):
            self.register_format_handler(text_format, sqltypes.VARCHAR)

    def handle_raw_string(self, schema: dict) -> sqltypes.TypeEngine:
        """Return VARCHAR: DuckDB ignores lengths, so `maxLength` adds nothing."""
        return sqltypes.VARCHAR()

    def handle_multiple_types(self, types: Sequence[str]) -> sqltypes.TypeEngine:
        """Pick one column type for a union of JSON types, by target-postgres' precedence."""
        candidates = [self.to_sql_type({"type": json_type}) for json_type in types]
        for preferred in _TYPE_PRECEDENCE:
            for candidate in candidates:
                if isinstance(candidate, preferred):
                    return candidate
        return sqltypes.VARCHAR()


class DuckDBConnector(SQLConnector):
    """Connect to a DuckDB file, shape its tables and land batches in it."""

    allow_column_add = True
    allow_column_alter = False
    allow_merge_upsert = True
    allow_temp_tables = True

    jsonschema_to_sql_converter = JSONSchemaToDuckDB

    def __init__(self, config: dict | None = None, sqlalchemy_url: str | None = None) -> None:
        """Initialize the connector."""
        super().__init__(config=config, sqlalchemy_url=sqlalchemy_url)
        # `overwrite` empties a table only the first time this run prepares it, so a
        # schema change mid-run adds columns instead of dropping what was just loaded.
        self._prepared_tables: set[str] = set()

    def get_sqlalchemy_url(self, config: dict[str, t.Any]) -> str:
        """Return the duckdb-engine URL of the configured database file."""
        return f"duckdb:///{config['path']}"

    def create_engine(self) -> sa.Engine:
        """Create the engine; every connection it opens works in UTC."""
        path = self.config.get("path", ":memory:")
        if path != ":memory:":
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:  # a file where a folder should be, no permission
                msg = (
                    f"cannot create the folder of the DuckDB file {path} ({error.strerror}: "
                    f"{error.filename}); check the target's path setting"
                )
                raise DatabaseFileError(msg) from None
        engine = sa.create_engine(
            self.sqlalchemy_url,
            json_serializer=self.serialize_json,
            json_deserializer=self.deserialize_json,
        )

        def configure(dbapi_connection: t.Any, _record: t.Any) -> None:
            # TimeZone is per connection in DuckDB; UTC makes timestamptz -> timestamp
            # casts yield UTC and reads text without an offset as UTC.
            dbapi_connection.execute("set TimeZone = 'UTC'")
            # DuckDB draws a progress bar on stdout for queries over ~2 s; stdout must
            # carry only Singer STATE lines.
            dbapi_connection.execute("set enable_progress_bar = false")

        def explain_open_failure(context: sa.engine.ExceptionContext) -> None:
            # No connection yet: the file itself could not be opened. Errors of statements
            # on an open connection keep their own exceptions.
            if context.connection is None and isinstance(context.original_exception, duckdb.Error):
                raise DatabaseFileError(_open_failure(path, context.original_exception))

        sa.event.listen(engine, "connect", configure)
        sa.event.listen(engine, "handle_error", explain_open_failure)
        return engine

    @contextmanager
    def open_connection(self) -> Iterator[sa.Connection]:
        """Yield a pooled connection; `.connection.driver_connection` is raw DuckDB."""
        with self._engine.connect() as connection:
            yield connection

    def dispose(self) -> None:
        """Close pooled connections so the database file is released."""
        self._engine.dispose()

    def table_sql(self, full_table_name: str | FullyQualifiedName) -> str:
        """Return the quoted `schema.table` of a table."""
        _, schema_name, table_name = self.parse_full_table_name(full_table_name)
        return f"{quote_identifier(schema_name or _DEFAULT_SCHEMA)}.{quote_identifier(table_name)}"

    def column_ddl_type(self, jsonschema_type: dict) -> str:
        """Return the DuckDB DDL type of a JSON Schema property."""
        return self.to_sql_type(jsonschema_type).compile(dialect=self._dialect)

    # Schema and tables

    def prepare_schema(self, schema_name: str) -> None:
        """Create the schema if it is missing."""
        # The SDK's existence check compares against duckdb-engine's "db.schema"
        # names and never matches, so create idempotently instead.
        with self.open_connection() as connection, connection.begin():
            connection.exec_driver_sql(
                f"create schema if not exists {quote_identifier(schema_name)}"
            )

    def get_column_types(self, full_table_name: str | FullyQualifiedName) -> dict[str, str]:
        """Return the table's columns and their DuckDB types, in table order."""
        _, schema_name, table_name = self.parse_full_table_name(full_table_name)
        with self.open_connection() as connection:
            rows = connection.execute(
                sa.text(
                    "select column_name, data_type from information_schema.columns "
                    "where table_catalog = current_database() and table_schema = :schema "
                    "and table_name = :table order by ordinal_position"
                ),
                {"schema": schema_name or _DEFAULT_SCHEMA, "table": table_name},
            ).all()
        return {name: data_type for name, data_type in rows}

    def get_table_columns(
        self,
        full_table_name: str | FullyQualifiedName,
        column_names: list[str] | None = None,
    ) -> dict[str, sa.Column]:
        """Return the table's columns for the SDK (ACTIVATE_VERSION handling uses them).

        SQLAlchemy's PostgreSQL reflection, which duckdb-engine inherits, queries
        `pg_catalog.pg_collation`, which DuckDB lacks; information_schema answers instead.
        """
        wanted = {name.casefold() for name in column_names or ()}
        return {
            name: sa.Column(name, self._reflected_type(data_type))
            for name, data_type in self.get_column_types(full_table_name).items()
            if not wanted or name.casefold() in wanted
        }

    def _reflected_type(self, data_type: str) -> sqltypes.TypeEngine:
        if decimal := re.fullmatch(r"DECIMAL\((\d+),(\d+)\)", data_type):
            return sqltypes.DECIMAL(int(decimal[1]), int(decimal[2]))
        return self._dialect.ischema_names.get(data_type.lower(), sqltypes.NullType)()

    def create_empty_table(
        self,
        full_table_name: str | FullyQualifiedName,
        schema: dict,
        primary_keys: Sequence[str] | None = None,
        partition_keys: list[str] | None = None,
        as_temp_table: bool = False,
    ) -> None:
        """Create the table with one column per property and no key constraint.

        No PRIMARY KEY: DuckDB's ART index has raised false "duplicate key" errors when
        a transaction deletes and re-inserts the same key, which is exactly our upsert.
        Uniqueness comes from the upsert and is tested downstream in dbt.
        """
        if as_temp_table:
            msg = "Temporary target tables are not supported."
            raise NotImplementedError(msg)
        _ = primary_keys, partition_keys
        column_list = ", ".join(
            f"{quote_identifier(name)} {self.column_ddl_type(property_schema)}"
            for name, property_schema in schema["properties"].items()
        )
        with self.open_connection() as connection, connection.begin():
            connection.exec_driver_sql(
                f"create table {self.table_sql(full_table_name)} ({column_list})"
            )

    def prepare_table(
        self,
        full_table_name: str | FullyQualifiedName,
        schema: dict,
        primary_keys: Sequence[str],
        partition_keys: list[str] | None = None,
        as_temp_table: bool = False,
    ) -> None:
        """Create the table, or add columns for new properties; never drop or retype.

        Raises:
            SchemaConflictError: if two properties differ only by case (one column in DuckDB),
                a key property is not a property, or an existing column has another
                type than the schema now asks for.
        """
        properties: dict[str, dict] = schema["properties"]
        _check_names(full_table_name, properties, primary_keys)
        table_key = str(full_table_name)
        existing = self.get_column_types(full_table_name)
        overwrite = self.config.get("load_method") == TargetLoadMethods.OVERWRITE
        if existing and overwrite and table_key not in self._prepared_tables:
            with self.open_connection() as connection, connection.begin():
                connection.exec_driver_sql(f"drop table {self.table_sql(full_table_name)}")
            existing = {}
        self._prepared_tables.add(table_key)
        if not existing:
            self.create_empty_table(
                full_table_name, schema, primary_keys, partition_keys, as_temp_table
            )
            return

        existing_by_folded = {name.casefold(): data_type for name, data_type in existing.items()}
        wanted = {name: self.column_ddl_type(prop) for name, prop in properties.items()}
        canonical = self._canonical_types(list(wanted.values()))
        statements = []
        for name, ddl_type in wanted.items():
            current = existing_by_folded.get(name.casefold())
            if current is None:
                # Older rows read NULL in the new column.
                statements.append(
                    f"alter table {self.table_sql(full_table_name)} "
                    f"add column {quote_identifier(name)} {ddl_type}"
                )
            elif current != canonical[ddl_type]:
                msg = (
                    f"Column '{name}' of {full_table_name} is {current} but the stream "
                    f"schema now maps it to {canonical[ddl_type]}; column types are never "
                    "changed automatically: fix the tap's schema, or alter the column (or "
                    "drop the table, to land it again) in the warehouse."
                )
                raise SchemaConflictError(msg)
        if statements:
            with self.open_connection() as connection, connection.begin():
                for statement in statements:
                    connection.exec_driver_sql(statement)

    def _canonical_types(self, ddl_types: list[str]) -> dict[str, str]:
        """Return DuckDB's own name for each DDL type, as information_schema spells it."""
        unique = list(dict.fromkeys(ddl_types))
        select_list = ", ".join(f"typeof(cast(null as {ddl_type}))" for ddl_type in unique)
        with self.open_connection() as connection:
            names = connection.exec_driver_sql(f"select {select_list}").one()
        return dict(zip(unique, names, strict=True))

    # Batch load

    def write_batch(
        self,
        *,
        stream_name: str,
        full_table_name: str | FullyQualifiedName,
        batch: pa.Table,
        column_types: dict[str, str],
        key_columns: Sequence[str],
    ) -> int:
        """Land a batch in one transaction and return the number of rows inserted.

        The batch is cast into a temp table; with key columns, the last row per key
        (by `ROW_ORDER_COLUMN`) replaces any stored row with that key, otherwise every
        row is appended.

        Raises:
            BadValueError: if a value cannot be cast to its column type; nothing of the
                batch is written.
        """
        token = uuid.uuid4().hex
        batch_view = f"cerebro_batch_{token}"
        stage = quote_identifier(f"cerebro_stage_{token}")
        target = self.table_sql(full_table_name)
        row_order = quote_identifier(ROW_ORDER_COLUMN)
        column_list = ", ".join(quote_identifier(name) for name in column_types)
        casts = ", ".join(
            f"{cast_expression(quote_identifier(name), sql_type)} as {quote_identifier(name)}"
            for name, sql_type in column_types.items()
        )
        stage_sql = (
            f"create temp table {stage} as select {casts}, {row_order} "
            f"from {quote_identifier(batch_view)}"
        )
        delete_sql = None
        insert_sql = f"insert into {target} ({column_list}) select {column_list} from {stage}"
        if key_columns:
            keys = ", ".join(quote_identifier(key) for key in key_columns)
            matches = " and ".join(
                f"existing_rows.{quote_identifier(key)} = batch_keys.{quote_identifier(key)}"
                for key in key_columns
            )
            delete_sql = (
                f"delete from {target} as existing_rows "
                f"using (select distinct {keys} from {stage}) as batch_keys where {matches}"
            )
            insert_sql += (
                f" qualify row_number() over (partition by {keys} order by {row_order} desc) = 1"
            )

        with self.open_connection() as connection:
            duck = connection.connection.driver_connection
            duck.register(batch_view, batch)
            try:
                with connection.begin():
                    duck.execute(stage_sql)
                    if delete_sql:
                        duck.execute(delete_sql)
                    (inserted,) = duck.execute(insert_sql).fetchone()
                    duck.execute(f"drop table {stage}")
            except duckdb.Error as exc:
                # Runs after the rollback: an aborted DuckDB transaction accepts no query.
                if bad := self._find_uncastable(duck, batch_view, column_types):
                    msg = (
                        f"Stream '{stream_name}': value {bad.value!r} in column "
                        f"'{bad.column}' cannot be cast to {bad.sql_type} (record "
                        f"{bad.row_number} of the batch); the batch was not written."
                    )
                    raise BadValueError(msg) from exc
                raise
            finally:
                duck.unregister(batch_view)
        return int(inserted)

    @staticmethod
    def _find_uncastable(
        duck: t.Any, batch_view: str, column_types: dict[str, str]
    ) -> UncastableValue | None:
        """Return the earliest batch value that its column type cannot hold, if any."""
        found: list[UncastableValue] = []
        row_order = quote_identifier(ROW_ORDER_COLUMN)
        for name, sql_type in column_types.items():
            if sql_type == "VARCHAR":
                continue
            column = quote_identifier(name)
            row = duck.execute(
                f"select {row_order}, {column} from {quote_identifier(batch_view)} "
                f"where {column} is not null "
                f"and {cast_expression(column, sql_type, strict=False)} is null "
                f"order by {row_order} limit 1"
            ).fetchone()
            if row is not None:
                found.append(UncastableValue(name, row[1], sql_type, row[0] + 1))
        return min(found, key=lambda bad: bad.row_number, default=None)


def _open_failure(path: str, error: Exception) -> str:
    """Why the database file could not be opened, and what to do about a lock."""
    reason = " ".join(str(error).split())
    if "lock" in reason.lower():
        # DuckDB lets one process write a file at a time (Metabase, a notebook, dbt, another
        # run may hold it): https://duckdb.org/docs/connect/concurrency
        return (
            f"cannot open the DuckDB file {path}: another process has it open ({reason}); "
            "close that process or wait for it to finish, then run again"
        )
    return f"cannot open the DuckDB file {path} ({reason}); check the target's path setting"


def _check_names(
    full_table_name: str | FullyQualifiedName,
    properties: dict[str, dict],
    primary_keys: Sequence[str],
) -> None:
    """Reject schemas DuckDB cannot hold as one column per property."""
    folded: dict[str, str] = {}
    for name in properties:
        if (other := folded.setdefault(name.casefold(), name)) != name:
            # DuckDB matches identifiers case-insensitively, even quoted ones.
            msg = (
                f"Properties '{other}' and '{name}' of {full_table_name} differ only by "
                "case and would be one DuckDB column."
            )
            raise SchemaConflictError(msg)
    if missing := [key for key in primary_keys if key not in properties]:
        msg = f"Key properties {missing} of {full_table_name} are not in the stream schema."
        raise SchemaConflictError(msg)
