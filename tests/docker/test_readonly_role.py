"""The read-only role Metabase connects as (docker/postgres/metabase_reader.sql, run by psql as
the compose stack's warehouse init does) reads the marts, including marts built after the
grant, and nothing else: not raw_*, staging or ml, and it cannot write."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest

from cerebro.settings import PROJECT_ROOT

SCRIPT = PROJECT_ROOT / "docker" / "postgres" / "metabase_reader.sql"
HIDDEN_SCHEMAS = ("raw_shopify", "staging", "intermediate", "ml")


def _psql() -> str:
    # The same variable as tests/conftest.py's server binaries.
    candidate = (
        Path(os.environ.get("CEREBRO_TEST_PG_BINDIR", "/usr/lib/postgresql/15/bin")) / "psql"
    )
    found = str(candidate) if candidate.exists() else shutil.which("psql")
    if found is None:
        pytest.skip("psql is not installed")
    return found


def _grant(server, database: str, reader: str, password: str) -> None:
    done = subprocess.run(
        [_psql(), "-X", "-q", "-h", server.host, "-p", str(server.port), "-U", server.user,
         "-d", database, "-v", f"reader={reader}", "-v", f"reader_password={password}",
         "-v", f"owner={server.user}", "-v", "schema=marts", "-f", str(SCRIPT)],
        env={**os.environ, "PGPASSWORD": server.password},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def _as_reader(server, database: str, reader: str, password: str):
    return psycopg.connect(host=server.host, port=server.port, user=reader, password=password,
                           dbname=database, autocommit=True)  # fmt: skip


@pytest.fixture
def warehouse(postgres_server):
    """A database with a table in the marts and in every schema Metabase must not see."""
    database = postgres_server.create_database("reader")
    with postgres_server.connect(database, autocommit=True) as connection:
        for schema in ("marts", *HIDDEN_SCHEMAS):
            connection.execute(f"create schema {schema}")
            connection.execute(f"create table {schema}.numbers as select 1 as n")
    reader = f"metabase_reader_{secrets.token_hex(3)}"
    # Quotes and spaces: the script must quote the password, not paste it.
    password = f"r'3 \"a:d@r {secrets.token_hex(4)}"
    _grant(postgres_server, database, reader, password)
    return postgres_server, database, reader, password


def test_the_reader_reads_the_marts_including_marts_built_after_the_grant(warehouse):
    server, database, reader, password = warehouse
    with server.connect(database, autocommit=True) as owner:
        # What dbt does when it rebuilds a mart: a new table (owned by the same role).
        owner.execute("create table marts.built_later as select 2 as n")

    with _as_reader(server, database, reader, password) as connection:
        assert connection.execute("select n from marts.numbers").fetchone() == (1,)
        assert connection.execute("select n from marts.built_later").fetchone() == (2,)


@pytest.mark.parametrize("schema", HIDDEN_SCHEMAS)
def test_the_reader_cannot_read_any_other_schema(warehouse, schema):
    server, database, reader, password = warehouse
    with (
        _as_reader(server, database, reader, password) as connection,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        connection.execute(f"select n from {schema}.numbers")


def test_the_reader_cannot_write_even_in_the_marts(warehouse):
    server, database, reader, password = warehouse
    with _as_reader(server, database, reader, password) as connection:
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            connection.execute("insert into marts.numbers values (2)")
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            connection.execute("create table marts.mine (n int)")


def test_the_script_creates_the_marts_schema_for_its_owner_and_can_run_again(postgres_server):
    database = postgres_server.create_database("reader_fresh")
    reader = f"metabase_reader_{secrets.token_hex(3)}"
    _grant(postgres_server, database, reader, "first password")
    _grant(postgres_server, database, reader, "second password")  # re-run: new password
    with postgres_server.connect(database, autocommit=True) as owner:
        owner.execute("create table marts.first_mart as select 3 as n")

    with _as_reader(postgres_server, database, reader, "second password") as connection:
        assert connection.execute("select n from marts.first_mart").fetchone() == (3,)
