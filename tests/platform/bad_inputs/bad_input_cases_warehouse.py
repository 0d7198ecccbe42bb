"""A warehouse that cannot be used (held by another process, out of reach, misnamed, not built)
and KPI requests that cannot be answered (a period after the data, an unknown tenant or
segment): one line saying what to do, from any command that opens the warehouse."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

from tests.platform.bad_inputs.bad_input_catalogue import Case

#: A DuckDB warehouse of the case's own (no demo data: its state is what the case is about).
DUCKDB = {
    "CEREBRO_WAREHOUSE": "duckdb",
    "CEREBRO_DATA_DIR": "{dir}/data",
    "CEREBRO_DUCKDB_PATH": "{dir}/data/cerebro.duckdb",
}
#: The session's demo warehouse (tenants test_cl, test_pe and test_woo, orders up to 2026-10-31).
DEMO = {"CEREBRO_DATA_DIR": "{data_dir}", "CEREBRO_TENANTS_FILE": "{tenants_file}"}
KPIS = ("kpis", "acquisition", "--tenant", "test_cl")
SEGMENT = ("segment", "export", "--tenant", "test_cl", "--out", "{dir}/out.csv")
TENANTS = """\
tenants:
  - {tenant_id: test_cl, name: Tienda, timezone: America/Santiago, currency: CLP,
     country_code: CL, demo: {profile: cl_services}, sources: {shopify: {tap: demo}}}
"""
RUN = ("run", "--tenants-file", "{dir}/tenants.yml", "--data-dir", "{dir}/data")


def _closed_port() -> int:
    """A local port nothing listens on (bound once by the system, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _postgres(**settings: str) -> dict[str, str]:
    return {"CEREBRO_WAREHOUSE": "postgres", "CEREBRO_PG_HOST": "127.0.0.1", **settings}


REFUSED = _postgres(CEREBRO_PG_PORT=str(_closed_port()))

_HOLD = """
import sys, time, duckdb
connection = duckdb.connect(sys.argv[1])
print("holding", flush=True)
time.sleep(600)
"""


def _held_by_another_process(folder: Path):
    """Another process opens the case's DuckDB warehouse for writing and keeps it open (as a
    SQL client or a notebook would) until the case has run."""
    path = folder / "data" / "cerebro.duckdb"
    path.parent.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "holding"

    def release() -> None:
        holder.terminate()
        holder.wait(timeout=30)

    return release


def _nothing_written(folder: Path, output: str) -> None:
    assert not (folder / "out.csv").exists(), f"a file was written:\n{output}"


def _no_dagster_run(folder: Path, output: str) -> None:
    assert not (folder / "data" / "dagster_home").exists(), f"the run started:\n{output}"


PG_AT = r"cannot connect to the warehouse at postgresql://\S+@"
IN_USE = r"the warehouse .*cerebro\.duckdb is in use by another process \(python[\d.]*, pid \d+\)"

CASES = [
    Case(
        "warehouse: kpis on a DuckDB file held by another process",
        "error",
        KPIS,
        message=IN_USE + ": wait for it to finish or stop it",
        env=DUCKDB,
        setup=_held_by_another_process,
    ),
    Case(
        "warehouse: segment export on a DuckDB file held by another process",
        "error",
        (*SEGMENT, "--segment", "Campeones"),
        message=IN_USE,
        env=DUCKDB,
        setup=_held_by_another_process,
        check=_nothing_written,
    ),
    Case(
        "warehouse: run on a DuckDB file held by another process stops before any work",
        "error",
        RUN,
        message=IN_USE,
        files={"tenants.yml": TENANTS},
        env=DUCKDB,
        setup=_held_by_another_process,
        check=_no_dagster_run,
    ),
    Case(
        "warehouse: kpis with PostgreSQL refusing connections",
        "error",
        KPIS,
        message=PG_AT + r"127\.0\.0\.1:\d+/\S+ \(connection refused\): "
        r"is the server running\? check CEREBRO_PG_\*$",
        env=REFUSED,
    ),
    Case(
        "warehouse: segment export with PostgreSQL refusing connections",
        "error",
        (*SEGMENT, "--segment", "Campeones"),
        message=PG_AT + r"127\.0\.0\.1:\d+/\S+ \(connection refused\)",
        env=REFUSED,
        check=_nothing_written,
    ),
    Case(
        "warehouse: run with PostgreSQL refusing connections stops before any work",
        "error",
        RUN,
        message=PG_AT + r"127\.0\.0\.1:\d+/\S+ \(connection refused\)",
        files={"tenants.yml": TENANTS},
        env=REFUSED,
        check=_no_dagster_run,
    ),
    Case(
        "warehouse: PostgreSQL host that does not exist",
        "error",
        KPIS,
        message=PG_AT + r"nohost\.invalid:5432/\S+ \(unknown host\): "
        r"check CEREBRO_PG_HOST$",
        env=_postgres(CEREBRO_PG_HOST="nohost.invalid", CEREBRO_PG_PORT="5432"),
    ),
    Case(
        "warehouse: PostgreSQL port out of range",
        "error",
        KPIS,
        message=r"CEREBRO_PG_PORT='99999' is not a port number \(1 to 65535",
        env=_postgres(CEREBRO_PG_PORT="99999"),
    ),
    Case(
        "warehouse: PostgreSQL port not a number",
        "error",
        KPIS,
        message=r"CEREBRO_PG_PORT='5432a' is not a port number",
        env=_postgres(CEREBRO_PG_PORT="5432a"),
    ),
    Case(
        "warehouse: CEREBRO_WAREHOUSE misspelt",
        "error",
        KPIS,
        message=r"CEREBRO_WAREHOUSE='duck' is not a warehouse Cerebro supports: "
        r"set it to duckdb, postgres, spark",
        env={**DUCKDB, "CEREBRO_WAREHOUSE": "duck"},
    ),
    Case(
        "warehouse: run with CEREBRO_WAREHOUSE misspelt",
        "error",
        RUN,
        message=r"CEREBRO_WAREHOUSE='postgresql' is not a warehouse Cerebro supports",
        files={"tenants.yml": TENANTS},
        env={**DUCKDB, "CEREBRO_WAREHOUSE": "postgresql"},
        check=_no_dagster_run,
    ),
    Case(
        "warehouse: not built yet",
        "error",
        KPIS,
        message=r"no warehouse at .*cerebro\.duckdb: run `make demo` \(or `cerebro run`\) first",
        env=DUCKDB,
    ),
    Case(
        "warehouse: CEREBRO_DUCKDB_PATH names a file that is not DuckDB",
        "error",
        KPIS,
        message=r"cannot open the warehouse .*orders\.duckdb \(.*not a valid DuckDB database "
        r"file.*\): is it a DuckDB file\? check CEREBRO_DUCKDB_PATH",
        files={"orders.duckdb": "order_id,total\n1,100\n"},
        env={**DUCKDB, "CEREBRO_DUCKDB_PATH": "{dir}/orders.duckdb"},
    ),
    Case(
        "kpis: --from after the last day with data, no --to",
        "error",
        (*KPIS, "--from", "2030-01-01"),
        message=r"--from 2030-01-01 starts after test_cl's last day with data "
        r"\(2026-10-31, the default --to\): choose an earlier --from, or give --to too",
        env=DEMO,
        warehouse=True,
    ),
    Case(
        "kpis: --from after --to",
        "error",
        (*KPIS, "--from", "2026-10-31", "--to", "2026-10-01"),
        message=r"date_from 2026-10-31 is after date_to 2026-10-01; swap them",
        env=DEMO,
        warehouse=True,
    ),
    Case(
        "kpis: unknown tenant",
        "error",
        ("kpis", "retention", "--tenant", "test_mx"),
        message=r"unknown tenant 'test_mx'; the warehouse has: test_cl, test_pe, test_woo$",
        env=DEMO,
        warehouse=True,
    ),
    Case(
        "kpis: unknown tenant with a period after the data",
        "error",
        ("kpis", "retention", "--tenant", "test_mx", "--from", "2030-01-01"),
        message=r"unknown tenant 'test_mx'; the warehouse has: test_cl, test_pe, test_woo$",
        env=DEMO,
        warehouse=True,
    ),
    Case(
        "segment export: --as-of before the first order",
        "error",
        (*SEGMENT, "--segment", "Campeones", "--as-of", "2020-01-01"),
        message=r"test_cl has no customers with orders on or before 2020-01-01; its first day "
        r"with orders is \d{4}-\d{2}-\d{2}: give an --as-of on or after it",
        env=DEMO,
        warehouse=True,
        check=_nothing_written,
    ),
    Case(
        "segment export: unknown segment",
        "error",
        (*SEGMENT, "--segment", "VIP"),
        message=r"unknown segment 'VIP'; segments as of 2026-10-31: .*Campeones",
        env=DEMO,
        warehouse=True,
        check=_nothing_written,
    ),
    Case(
        "segment export: a segment named as before decision 0047",
        "error",
        (*SEGMENT, "--segment", "Perdidos"),
        message=r"el segmento RFM «Perdidos» ahora se llama «Ocasionales alejados»; los clientes "
        r"perdidos del modelo son «CLIENTE PERDIDO» \(decisión 0047\)$",
        env=DEMO,
        warehouse=True,
        check=_nothing_written,
    ),
    Case(
        "segment export: unknown tenant",
        "error",
        (
            "segment",
            "export",
            "--tenant",
            "nope",
            "--segment",
            "Campeones",
            "--out",
            "{dir}/out.csv",
        ),
        message=r"unknown tenant 'nope'; the warehouse has: test_cl, test_pe, test_woo$",
        env=DEMO,
        warehouse=True,
        check=_nothing_written,
    ),
]
