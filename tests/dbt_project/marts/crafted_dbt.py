"""Building a few models of the real dbt project on a crafted warehouse: a DuckDB file, or a
fresh database of the session's PostgreSQL server. Shared by the marts tests that write their
own inputs (run history, raw rows) instead of running the demo platform."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from cerebro_raw_contract import STREAMS, RawStream, raw_stream

from cerebro.settings import load_settings
from cerebro.tenants import Tenant, tenants_frame
from cerebro.warehouse import Warehouse
from tests.support.dbt_in_process import failures, run_dbt


def warehouse_environ(request: pytest.FixtureRequest, kind: str, directory: Path) -> dict:
    """The environment pointing Cerebro and dbt at a new, empty warehouse of that kind."""
    if kind == "duckdb":
        crafted = {
            "CEREBRO_WAREHOUSE": "duckdb",
            "CEREBRO_DUCKDB_PATH": str(directory / "w.duckdb"),
        }
    else:
        server = request.getfixturevalue("postgres_server")
        crafted = server.cerebro_environ(server.create_database("crafted_marts"))
    return {**os.environ, **crafted}


def crafted_warehouse(environ: dict) -> Warehouse:
    return Warehouse(load_settings(environ))


def write_tenants(
    warehouse: Warehouse, tenants: dict[str, str], currencies: dict[str, str] | None = None
) -> None:
    """The tenants table as `cerebro run` writes it, for {tenant_id: timezone}; each tenant's
    currency is CLP unless ``currencies`` gives it."""
    currencies = currencies or {}
    warehouse.replace_table(
        "cerebro_config",
        "tenants",
        tenants_frame(
            [Tenant(tenant_id, tenant_id, timezone, currencies.get(tenant_id, "CLP"), "CL",
                    sources={})
             for tenant_id, timezone in tenants.items()]
        ),
    )  # fmt: skip


def build_models(
    environ: dict, directory: Path, *selectors: str, dbt_vars: dict | None = None
) -> float:
    """`dbt build --select <selectors>` (the models and their data tests), with ``dbt_vars``
    when given, in this process from its parse of the project (tests/support/dbt_in_process);
    returns the seconds it took, and fails the test with dbt's failures when dbt fails."""
    started = time.monotonic()
    result = run_dbt(
        ["build", "--select", *selectors,
         # Only the data tests of what is built: not other marts' relationships to dim_tenants,
         # nor the upstream models' unit tests (the platform's build runs those).
         "--indirect-selection", "cautious", "--exclude", "test_type:unit",
         # No manifest.json, graph.gpickle nor run_results.json: nothing reads them here, and
         # writing the whole project's costs seconds per build.
         "--no-write-json"],
        environ, directory / "target", dbt_vars=dbt_vars,
    )  # fmt: skip
    if not result.success:
        pytest.fail(f"dbt build {' '.join(selectors)} failed:\n{failures(result)}")
    return time.monotonic() - started


def insert_rows(path: str, table: str, rows: list[dict]) -> None:
    """Insert each row (column -> value) into a raw table of the DuckDB file at ``path``."""
    with duckdb.connect(path) as connection:
        for row in rows:
            marks = ", ".join("?" for _ in row)
            connection.execute(
                f"insert into {table} ({', '.join(row)}) values ({marks})", list(row.values())
            )


def land_empty_streams(
    environ: dict, directory: Path, streams: Sequence[RawStream] = STREAMS
) -> None:
    """The raw tables of ``streams`` (by default every stream of the data contract), empty, as
    the real DuckDB target creates them from the streams' SCHEMA messages (with its `_sdc_`
    columns); tests then insert their rows."""
    messages = [
        {"type": "SCHEMA", "stream": f"raw_{stream.source}-{stream.name}",
         "schema": stream.schema(),
         "key_properties": list(stream.primary_keys)}
        for stream in streams
    ]  # fmt: skip
    config = directory / "target.json"
    config.write_text(
        json.dumps({"path": environ["CEREBRO_DUCKDB_PATH"], "add_record_metadata": True})
    )
    done = subprocess.run(
        [str(Path(sys.executable).parent / "target-cerebro-duckdb"), "--config", str(config)],
        input="".join(json.dumps(message) + "\n" for message in messages),
        env=environ, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.fail(f"target-cerebro-duckdb failed:\n{done.stderr[-6000:]}")


def raw_frame(source: str, stream: str, rows: list[dict], landed) -> pd.DataFrame:
    """Rows with every column of the raw contract's stream, typed as the target lands them,
    landed at ``landed``."""
    properties = raw_stream(source, stream).schema()["properties"]
    frame = pd.DataFrame({name: [row.get(name) for row in rows] for name in properties})
    for name, spec in properties.items():
        kinds = spec["type"] if isinstance(spec["type"], list) else [spec["type"]]
        if spec.get("format") in ("date", "date-time"):
            frame[name] = pd.to_datetime(frame[name]).astype("datetime64[us]")
        elif "number" in kinds:
            frame[name] = pd.to_numeric(frame[name]).astype(float)
        elif "integer" in kinds:
            frame[name] = pd.to_numeric(frame[name]).astype("Int64")
        elif "boolean" in kinds:
            frame[name] = frame[name].astype("boolean")
        else:
            frame[name] = frame[name].astype("string")
    frame["_sdc_batched_at"] = pd.Timestamp(landed).as_unit("us")
    return frame
