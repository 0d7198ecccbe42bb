"""The contact hashing macros (dbt_project/macros/pii.sql) give the same normalized value and
the same SHA-256 hex on PostgreSQL as on DuckDB, and both the digests Python's hashlib gives:
the table-driven macro test model built from the pii_hash_cases seed on each warehouse, rows
compared one by one. Two dbt builds (each parses the project): a slow test."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from cerebro.settings import DBT_PROJECT_DIR

pytestmark = pytest.mark.slow

SELECT = ("pii_hash_cases", "macro_test_pii_hashes")
QUERY = (
    "select case_name, actual_normalized, actual_sha256, expected_sha256 "
    "from macro_tests.macro_test_pii_hashes order by case_name"
)


def _build(environ: dict, directory: Path) -> None:
    """`dbt build` of the seed, the macro test model and its tests (which compare with the
    seed's hashlib digests): fails the test with dbt's output when anything fails."""
    done = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "build", "--profiles-dir", ".",
         "--target-path", str(directory / "target"), "--log-path", str(directory / "logs"),
         "--select", *SELECT],
        cwd=DBT_PROJECT_DIR, env=environ, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-6000:]


def test_contacts_hash_alike_on_postgres_duckdb_and_hashlib(postgres_server, tmp_path):
    database = postgres_server.create_database("pii_hashes")
    _build({**os.environ, **postgres_server.cerebro_environ(database)}, tmp_path / "postgres")
    duckdb_file = tmp_path / "duckdb" / "w.duckdb"
    duckdb_file.parent.mkdir()
    _build(
        {**os.environ, "CEREBRO_WAREHOUSE": "duckdb", "CEREBRO_DUCKDB_PATH": str(duckdb_file)},
        tmp_path / "duckdb",
    )

    with postgres_server.connect(database) as connection:
        on_postgres = connection.execute(QUERY).fetchall()
    with duckdb.connect(str(duckdb_file), read_only=True) as connection:
        on_duckdb = connection.execute(QUERY).fetchall()
    assert len(on_postgres) >= 10
    assert on_postgres == on_duckdb
    for case_name, normalized, digest, expected in on_postgres:
        assert digest == expected, case_name
        assert digest == (
            hashlib.sha256(normalized.encode("utf-8")).hexdigest() if normalized else None
        ), case_name
