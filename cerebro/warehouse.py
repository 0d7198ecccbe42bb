"""One connection object for both warehouses: DuckDB (embedded default) and PostgreSQL.

SQL handed to ``query`` uses named parameters in psycopg's ``%(name)s`` style;
for DuckDB they are rewritten to its ``$name`` style. Values are always bound,
never formatted into the SQL text.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cerebro.settings import Settings, console_script

_NAMED_PARAM = re.compile(r"%\((\w+)\)s")
#: Raw and modelled timestamps are naive and hold UTC. PostgreSQL converts an aware
#: datetime bound to a `timestamp without time zone` column through the session's
#: TimeZone, which defaults to the server's (often local time), so every session pins
#: UTC, as the DuckDB target and profile do.
POSTGRES_SESSION_OPTIONS = "-c TimeZone=UTC"
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


#: A connection attempt to PostgreSQL gives up after this long instead of the operating
#: system's TCP timeout (minutes), so an unreachable server fails a command promptly.
POSTGRES_CONNECT_TIMEOUT_SECONDS = 10


class WarehouseError(RuntimeError):
    """The warehouse cannot be used; the message, one line, says what to do. The one place
    where connection failures become such messages is ``Warehouse.connect``."""


class WarehouseNotBuiltError(WarehouseError):
    """The warehouse has not been built yet; the message says how to build it."""


class WarehouseLockedError(WarehouseError):
    """Another process holds the DuckDB file (DuckDB takes one writer, or readers only)."""


class WarehouseUnreachableError(WarehouseError):
    """The warehouse cannot be opened or reached (server down, wrong host, port or login)."""


#: How to get Spark when a warehouse on Spark (or `cerebro spark build`) finds it missing.
SPARK_EXTRA_HINT = "run `make setup-spark` (Spark is an optional extra)"


class SparkBuildError(RuntimeError):
    """A Spark step stopped; the message, one line, says where and what to do."""


def check_spark_installed() -> None:
    """Spark's pieces are present: dbt-spark with pyspark, and a Java runtime."""
    try:
        import pyspark  # noqa: F401, I001 (first: the package the extra is named after)
        import dbt.adapters.spark  # noqa: F401
    except ImportError as error:
        missing = error.name
        raise SparkBuildError(f"Spark is not installed ({missing}): {SPARK_EXTRA_HINT}") from None
    if not os.environ.get("JAVA_HOME") and shutil.which("java") is None:
        raise SparkBuildError(f"Spark needs a Java 17 runtime (java not found): {SPARK_EXTRA_HINT}")


_LOCK_HOLDER = re.compile(r"lock is held in (?P<program>\S+) \(PID (?P<pid>\d+)\)")

_IS_IT_RUNNING = "is the server running? check CEREBRO_PG_*"
#: libpq's failure (a pattern of its message) -> the reason to show (None: libpq's own words),
#: and what to do.
_POSTGRES_FAILURES = (
    (r"Connection refused", "connection refused", _IS_IT_RUNNING),
    (r"resolve host|translate host name", "unknown host", "check CEREBRO_PG_HOST"),
    (r"timeout expired", "no answer", _IS_IT_RUNNING),
    (r'password authentication failed for user "[^"]*"', None, "check CEREBRO_PG_PASSWORD"),
    (r"no password supplied", None, "set CEREBRO_PG_PASSWORD"),
    (r'(database|role) "[^"]*" does not exist', None, "create it or check CEREBRO_PG_*"),
)


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def _unopenable(path: Path, error: BaseException) -> WarehouseUnreachableError:
    return WarehouseUnreachableError(
        f"cannot open the warehouse {path} ({_first_line(error)}): is it a DuckDB file? "
        "check CEREBRO_DUCKDB_PATH and CEREBRO_DATA_DIR"
    )


def _postgres_failure(location: str, error: BaseException) -> str:
    """One line for a failed PostgreSQL connection: where, why, and what to check."""
    for pattern, reason, advice in _POSTGRES_FAILURES:
        found = re.search(pattern, str(error))
        if found:
            return f"cannot connect to the warehouse at {location} ({reason or found[0]}): {advice}"
    return (
        f"cannot connect to the warehouse at {location} ({_first_line(error)}): check CEREBRO_PG_*"
    )


def _identifier(name: str) -> str:
    """A schema/table name safe to put in SQL text (identifiers cannot be bound)."""
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a valid identifier: {name!r}")
    return name


def _postgres_type(column: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(column):
        return "boolean"
    if pd.api.types.is_integer_dtype(column):
        return "bigint"
    if pd.api.types.is_float_dtype(column):
        return "double precision"
    if pd.api.types.is_datetime64_any_dtype(column):
        return "timestamp"
    return "text"


#: PostgreSQL's names (``format_type``) for the types ``_postgres_type`` spells shorter.
_SAME_TYPE = {"timestamp without time zone": "timestamp"}


def _copy_rows(cursor, name: str, frame: pd.DataFrame) -> None:
    """Append ``frame``'s rows to the PostgreSQL table ``name`` (its columns named, in any
    order) with ``COPY``, then analyze it: the statement that reads the table next (the
    customer brain's scoring joins its history scores right away) is planned on its
    statistics, before autovacuum would have looked at it."""
    columns = ", ".join(_identifier(c) for c in frame.columns)
    with cursor.copy(f"copy {name} ({columns}) from stdin") as copy:
        for row in frame.astype(object).where(frame.notna(), None).itertuples(index=False):
            copy.write_row(row)
    cursor.execute(f"analyze {name}")


@dataclass
class Warehouse:
    settings: Settings
    _reader: object = field(default=None, init=False, repr=False, compare=False)

    @property
    def kind(self) -> str:
        return self.settings.warehouse

    @property
    def engine(self) -> str:
        """The database Python talks to: ``duckdb`` for the embedded warehouse and for Spark's
        serving file (decision 0040), ``postgres`` otherwise."""
        return "duckdb" if self.settings.serves_from_duckdb else "postgres"

    @property
    def location(self) -> str:
        if self.kind == "spark":
            spark, served = self.settings.spark_home, self.settings.duckdb_path
            return f"Spark tables in {spark}, served from {served}"
        if self.kind == "duckdb":
            return str(self.settings.duckdb_path)
        pg = self.settings.postgres
        return f"postgresql://{pg.user}@{pg.host}:{pg.port}/{pg.database}"

    @contextlib.contextmanager
    def connect(self, *, read_only: bool = False) -> Iterator:
        """A DB-API connection, closed (and committed on success) at the end of the block.

        Failing to connect raises a ``WarehouseError`` whose message says what to do.
        """
        connection = (
            self._connect_duckdb(read_only) if self.engine == "duckdb" else self._connect_postgres()
        )
        try:
            yield connection
            connection.commit()
        finally:
            connection.close()

    def check_available(self) -> None:
        """Open and close a writing connection, so that a warehouse in use by another process
        or out of reach stops a command before it starts its work (on Spark, also that Spark
        is installed)."""
        if self.kind == "spark":
            try:
                check_spark_installed()
            except SparkBuildError as error:
                raise WarehouseUnreachableError(str(error)) from None
        with self.connect():
            pass

    def _connect_duckdb(self, read_only: bool):
        import duckdb

        path = self.settings.duckdb_path
        if read_only and not path.exists():
            raise WarehouseNotBuiltError(
                f"no warehouse at {path}: run `make demo` (or `cerebro run`) first"
            )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as error:
            holder = _LOCK_HOLDER.search(str(error))
            if "Could not set lock" not in str(error):
                raise _unopenable(path, error) from error
            by = f" ({Path(holder['program']).name}, pid {holder['pid']})" if holder else ""
            # DuckDB's own words close the line: the phrase to search for, and the one the
            # fault-injection suite (tests/platform/faults) recognizes.
            raise WarehouseLockedError(
                f"the warehouse {path} is in use by another process{by}: wait for it to finish "
                "or stop it (a SQL client or notebook holding the file counts too); "
                "DuckDB: Could not set lock on file"
            ) from error
        except (duckdb.Error, OSError) as error:
            raise _unopenable(path, error) from error

    def _connect_postgres(self):
        import psycopg

        pg = self.settings.postgres
        try:
            return psycopg.connect(
                host=pg.host,
                port=pg.port,
                user=pg.user,
                password=pg.password,
                dbname=pg.database,
                options=POSTGRES_SESSION_OPTIONS,
                connect_timeout=POSTGRES_CONNECT_TIMEOUT_SECONDS,
            )
        except psycopg.OperationalError as error:
            raise WarehouseUnreachableError(_postgres_failure(self.location, error)) from error

    def _sql(self, sql: str) -> str:
        return _NAMED_PARAM.sub(r"$\1", sql) if self.engine == "duckdb" else sql

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """Serve every ``query`` inside the block from one read-only connection.

        Opening a connection costs more than a KPI query on the marts; a page of KPIs
        runs several queries, so it opens one connection for all of them.
        """
        if self._reader is not None:
            yield
            return
        with self.connect(read_only=True) as connection:
            self._reader = connection
            try:
                yield
            finally:
                self._reader = None

    def query(self, sql: str, params: dict | None = None) -> pd.DataFrame:
        """Run a read query with bound parameters and return a DataFrame."""
        with self.reading():
            cursor = self._reader.cursor()
            cursor.execute(self._sql(sql), _named_in(sql, params))
            columns = [d[0] for d in cursor.description]
            return pd.DataFrame(cursor.fetchall(), columns=columns)

    def execute(self, *statements: tuple[str, dict | None]) -> None:
        """Run write statements, each ``(sql, params)`` with bound parameters as ``query``
        takes them, in one transaction: all of them or none."""
        with self.connect() as connection:
            if self.engine == "duckdb":
                connection.execute("begin transaction")
                for sql, params in statements:
                    connection.execute(self._sql(sql), _named_in(sql, params))
                connection.execute("commit")
                return
            with connection.cursor() as cursor:
                for sql, params in statements:
                    cursor.execute(sql, _named_in(sql, params))

    def table_exists(self, schema: str, table: str) -> bool:
        sql = (
            "select count(*) as n from information_schema.tables "
            "where table_schema = %(schema)s and table_name = %(table)s"
        )
        try:
            return bool(self.query(sql, {"schema": schema, "table": table})["n"].iloc[0])
        except WarehouseNotBuiltError:
            return False

    def replace_table(self, schema: str, table: str, frame: pd.DataFrame) -> None:
        """Create or replace ``schema.table`` with the rows of ``frame``.

        On PostgreSQL a table that already has ``frame``'s columns keeps itself and gets the
        new rows in one transaction: dbt's views read these tables (the tenants table, the
        ML outputs), and PostgreSQL refuses to drop a table a view depends on, so dropping it
        failed every run after the first. A table of another shape (an upgrade that changed
        the columns) is dropped with the views over it, which the run's next dbt step
        creates again."""
        name = f"{_identifier(schema)}.{_identifier(table)}"
        with self.connect() as connection:
            if self.engine == "duckdb":
                connection.execute(f"create schema if not exists {_identifier(schema)}")
                connection.register("incoming_frame", frame)
                connection.execute(
                    f"create or replace table {name} as select * from incoming_frame"
                )
                connection.unregister("incoming_frame")
                return
            wanted = {_identifier(c): _postgres_type(frame[c]) for c in frame.columns}
            with connection.cursor() as cursor:
                cursor.execute(f"create schema if not exists {_identifier(schema)}")
                cursor.execute(
                    "select attname, format_type(atttypid, atttypmod) from pg_attribute "
                    "where attrelid = to_regclass(%(name)s) and attnum > 0 "
                    "and not attisdropped",
                    {"name": name},
                )
                existing = {column: _SAME_TYPE.get(kind, kind) for column, kind in cursor}
                if existing == wanted:
                    cursor.execute(f"delete from {name}")
                else:
                    columns = ", ".join(f"{column} {kind}" for column, kind in wanted.items())
                    cursor.execute(f"drop table if exists {name} cascade")
                    cursor.execute(f"create table {name} ({columns})")
                _copy_rows(cursor, name, frame)

    def replace_rows(self, schema: str, table: str, frame: pd.DataFrame) -> None:
        """Replace every row of the existing ``schema.table`` with ``frame``'s (same columns),
        in one transaction, keeping the table and whatever depends on it (views)."""
        name = f"{_identifier(schema)}.{_identifier(table)}"
        columns = ", ".join(_identifier(c) for c in frame.columns)
        with self.connect() as connection:
            if self.engine == "duckdb":
                connection.register("incoming_frame", frame)
                connection.execute("begin transaction")
                connection.execute(f"delete from {name}")
                connection.execute(
                    f"insert into {name} ({columns}) select {columns} from incoming_frame"
                )
                connection.execute("commit")
                connection.unregister("incoming_frame")
                return
            with connection.cursor() as cursor:
                cursor.execute(f"delete from {name}")
                _copy_rows(cursor, name, frame)

    def singer_target(self, schema: str) -> tuple[list[str], dict]:
        """The Singer target command and configuration that land into ``schema``.

        The configuration holds the PostgreSQL password: the landing runner writes it to a
        file only its owner can read, in a temporary directory removed after the run.
        """
        base = {"default_target_schema": schema, "add_record_metadata": True}
        if self.engine == "duckdb":
            path = str(self.settings.duckdb_path)
            return [console_script("target-cerebro-duckdb")], {**base, "path": path}
        import sqlalchemy

        pg = self.settings.postgres
        # target-postgres takes session options only through a URL (its host/port/...
        # settings build one without them), so the URL carries the UTC session.
        url = sqlalchemy.URL.create(
            "postgresql+psycopg",
            username=pg.user,
            password=pg.password,
            host=pg.host,
            port=pg.port,
            database=pg.database,
            query={"options": POSTGRES_SESSION_OPTIONS},
        )
        return [console_script("target-postgres")], {
            **base,
            "sqlalchemy_url": url.render_as_string(hide_password=False),
        }


def _named_in(sql: str, params: dict | None) -> dict:
    """The parameters ``sql`` names: DuckDB rejects any it does not use."""
    return {name: value for name, value in (params or {}).items() if f"%({name})s" in sql}
