"""The platform benchmark's data-in stages: generation, landing through Singer, bulk load.

Each function here is one stage, run in a process of its own by ``benchmarks/bench_child.py``
(so that its peak memory is its own) and returning a JSON-ready summary.

- ``generate``: the size's tenants by the demo generator (``dbt_bench_data.generate``), into
  the fingerprinted cache shared with ``make bench-dbt``. A cached size is not generated
  again: the measurement of the run that generated it is kept beside the cache and reported
  (``--regenerate`` generates and times it anew).
- ``singer``: a *sample* of the size landed for real, ``tap-cerebro-demo | target`` as
  subprocesses per tenant and source (``cerebro/landing/pipeline.py``), then the same rows bulk
  loaded
  into fresh tables of the same shape (``dbt_bench_load``: DuckDB's Arrow scan, PostgreSQL's
  COPY), the physical reference. Singer runs at a few thousand rows per second here, so the
  medium and large sizes land a deterministic sample (``SingerSample``) rather than hours of
  records.
- ``load``: every row of the size bulk loaded in the targets' shape (what dbt then reads).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from cerebro_raw_contract import STREAMS_BY_SOURCE
from tap_cerebro_demo.generator.storage import generated_streams

from benchmarks.bench_timing import timed_repeats
from benchmarks.dbt_bench_data import (
    BenchTenant,
    generate,
    is_cached,
    landed_table,
    stream_specs,
)
from benchmarks.dbt_bench_load import append_rows, create_raw_tables, load_raw_warehouse
from cerebro.landing.ingest import raw_schema
from cerebro.landing.pipeline import run_pipeline
from cerebro.landing.taps import tap_invocation
from cerebro.warehouse import Warehouse

#: Days of history landed through Singer per size; None: every tenant's whole history.
#: small, the shipped demo, lands everything (what `make demo` lands, minutes through
#: Singer); medium and large land the first tenant's last two weeks (what two weeks of daily
#: syncs land, tens of thousands of records: enough for a steady rate), and so does agency
#: (its first tenant is one of its two largest); tiny, the smoke size, its first tenant's
#: last week.
SINGER_SAMPLE_DAYS: dict[str, int | None] = {
    "tiny": 7,
    "small": None,
    "medium": 14,
    "large": 14,
    "agency": 14,
}
#: Schemas the bulk load writes besides the raw ones (dbt_bench_load.write_config_tables).
CONFIG_SCHEMAS = ("cerebro_config", "ops")


@dataclass(frozen=True)
class SingerSample:
    """Which rows land through Singer: the whole history of every tenant (``days`` None), or
    the first tenant's records whose replication key falls on or after midnight UTC of the
    first of its last ``days`` days (the demo tap's ``start_date``, as an incremental sync
    applies its bookmark)."""

    tenants: tuple[BenchTenant, ...]
    days: int | None

    @property
    def start(self) -> dt.datetime | None:
        if self.days is None:
            return None
        first_day = self.tenants[0].settings.end_date - dt.timedelta(days=self.days - 1)
        return dt.datetime.combine(first_day, dt.time())

    def describe(self) -> str:
        names = ", ".join(t.tenant_id for t in self.tenants)
        if self.days is None:
            return f"every record of {names}"
        return f"sample: {names}, records from {self.start:%Y-%m-%d} (last {self.days} days)"


def singer_sample(size: str, tenants: list[BenchTenant], days: int | None = -1) -> SingerSample:
    """The size's sample (``SINGER_SAMPLE_DAYS``), or ``days`` when given (None: everything)."""
    days = SINGER_SAMPLE_DAYS[size] if days == -1 else days
    if days is not None and days < 1:
        raise ValueError(f"a Singer sample needs at least one day, got {days}")
    return SingerSample(tuple(tenants) if days is None else (tenants[0],), days)


def _keep_from(table: pa.Table, column: str, start: dt.datetime) -> pa.Table:
    """Rows whose ``column`` (a date or timestamp) is at or after ``start``, compared as the
    demo tap compares its replication key with its start date (naive UTC microseconds)."""
    key = pc.cast(table[column], pa.timestamp("us"))
    return table.filter(pc.greater_equal(key, pa.scalar(start, pa.timestamp("us"))))


def sample_tables(
    sample: SingerSample, directories: dict[str, Path], landed_at: dt.datetime
) -> list[tuple[str, str, pa.Table]]:
    """(raw schema, table, rows) of the sample in the targets' shape, as the tap emits them."""
    tables = []
    for tenant in sample.tenants:
        for source in STREAMS_BY_SOURCE:
            for spec in (s for s in stream_specs() if s.source == source):
                table = landed_table(directories[tenant.tenant_id], spec, tenant, landed_at)
                if sample.start is not None:
                    table = _keep_from(table, spec.replication_key, sample.start)
                tables.append((raw_schema(source), spec.name, table))
    return tables


def drop_schemas(warehouse: Warehouse, schemas) -> None:
    """Drop schemas and what they hold: a fresh start for a repeated landing."""
    with warehouse.connect() as connection:
        for schema in schemas:
            connection.execute(f'drop schema if exists "{schema}" cascade')


RAW_SCHEMAS = tuple(raw_schema(source) for source in STREAMS_BY_SOURCE)


def land_through_singer(
    sample: SingerSample, warehouse: Warehouse, datasets_dir: Path, scratch: Path
) -> dict[str, int]:
    """Run the demo tap into the warehouse's target for every tenant and source of the sample
    (fresh Singer state); records per raw table, as the tap counted them."""
    records: Counter[str] = Counter()
    for bench_tenant in sample.tenants:
        tenant = bench_tenant.tenant
        for source_name, source in tenant.sources.items():
            tap_command, tap_config = tap_invocation(tenant, source, datasets_dir)
            if sample.start is not None:
                tap_config["start_date"] = f"{sample.start:%Y-%m-%dT%H:%M:%S}Z"
            target_command, target_config = warehouse.singer_target(raw_schema(source_name))
            result = run_pipeline(
                tenant_id=tenant.tenant_id, source=source_name,
                tap_command=tap_command, tap_config=tap_config,
                target_command=target_command, target_config=target_config,
                state_path=scratch / "state" / tenant.tenant_id / f"{source_name}.json",
                log_dir=scratch / "logs" / tenant.tenant_id,
            )  # fmt: skip
            for stream, count in result.records_by_stream.items():
                records[f"{raw_schema(source_name)}.{stream}"] += count
    return dict(records)


def _rate(rows: int, seconds: float) -> float | None:
    return rows / seconds if seconds > 0 else None


def singer_stage(request: dict, singer: Warehouse, bulk: Warehouse, tenants: list) -> dict:
    """The sample through Singer, then the same rows bulk loaded; both repeated on fresh
    schemas. Rows per second of each and how many times faster the bulk load is."""
    sample = singer_sample(request["size"], tenants, request.get("singer_days", -1))
    datasets_dir = Path(request["datasets_dir"])
    scratch_root = Path(tempfile.mkdtemp(prefix="cerebro-bench-singer-"))
    runs = itertools.count()
    try:
        landed, singer_timing = timed_repeats(
            lambda: land_through_singer(
                sample, singer, datasets_dir, scratch_root / str(next(runs))
            ),
            request["repeats"],
            before_each=lambda: drop_schemas(singer, RAW_SCHEMAS),
        )
    finally:
        shutil.rmtree(scratch_root, ignore_errors=True)
    directories = {t.tenant_id: datasets_dir / t.tenant_id for t in sample.tenants}
    tables = sample_tables(sample, directories, dt.datetime.now(dt.UTC).replace(tzinfo=None))

    def recreate() -> None:
        drop_schemas(bulk, RAW_SCHEMAS)
        create_raw_tables(bulk)

    bulked, bulk_timing = timed_repeats(
        lambda: append_rows(bulk, tables), request["repeats"], before_each=recreate
    )
    rows = sum(landed.values())
    landed = {name: count for name, count in landed.items() if count}
    bulk_rows = {name: count for name, count in bulked.items() if count}
    singer_summary, bulk_summary = singer_timing.summary(), bulk_timing.summary()
    singer_rate = _rate(rows, singer_summary["wall_seconds"])
    bulk_rate = _rate(sum(bulk_rows.values()), bulk_summary["wall_seconds"])
    return {
        "sample": sample.describe(),
        "is_sample": sample.days is not None,
        "pipelines": sum(len(t.tenant.sources) for t in sample.tenants),
        "rows": rows,
        "rows_by_table": landed,
        "same_rows_as_bulk": landed == bulk_rows,
        "singer": {**singer_summary, "rows_per_second": singer_rate},
        "bulk": {**bulk_summary, "rows_per_second": bulk_rate},
        "bulk_speedup": bulk_rate / singer_rate if singer_rate and bulk_rate else None,
    }


def load_stage(request: dict, warehouse: Warehouse, tenants: list) -> dict:
    """Every row of the size bulk loaded in the targets' shape (repeated on fresh schemas)."""
    datasets_dir = Path(request["datasets_dir"])
    directories = {t.tenant_id: datasets_dir / t.tenant_id for t in tenants}
    load, timing = timed_repeats(
        lambda: load_raw_warehouse(warehouse, tenants, directories),
        request["repeats"],
        before_each=lambda: drop_schemas(warehouse, RAW_SCHEMAS + CONFIG_SCHEMAS),
    )
    summary = timing.summary()
    return {
        **summary,
        "rows": load.total_rows,
        "rows_by_table": load.rows,
        "rows_per_second": _rate(load.total_rows, summary["wall_seconds"]),
    }


# Generation -----------------------------------------------------------------------------------


def measurement_file(datasets_dir: Path, size: str) -> Path:
    """Where the report line of the run that generated a size is kept, beside its data."""
    return datasets_dir / f"generation-{size}.json"


def fingerprints(tenants: list[BenchTenant]) -> dict[str, str]:
    return {t.tenant_id: t.settings.fingerprint for t in tenants}


def save_generation(datasets_dir: Path, size: str, tenants: list, line: dict) -> None:
    """Keep a fresh generation's report line, valid while the tenants' data stay the same."""
    document = {"fingerprints": fingerprints(tenants), "line": line}
    measurement_file(datasets_dir, size).write_text(json.dumps(document, indent=1))


def generated_rows(tenants: list[BenchTenant], datasets_dir: Path) -> dict[str, int]:
    """Rows per raw table of the generated datasets (parquet metadata, nothing read)."""
    return {
        f"{raw_schema(stream.source)}.{stream.name}": sum(
            pq.read_metadata(datasets_dir / t.tenant_id / f"{stream.name}.parquet").num_rows
            for t in tenants
        )
        for stream in generated_streams()
    }


def generate_stage(request: dict, tenants: list[BenchTenant]) -> dict:
    """Generate the size (timed) unless it is cached. For a cached size, ``known`` is the
    report line of the run that generated it (``save_generation``), if this benchmark's."""
    datasets_dir = Path(request["datasets_dir"])
    if all(is_cached(t.settings, datasets_dir) for t in tenants) and not request["regenerate"]:
        path = measurement_file(datasets_dir, request["size"])
        document = json.loads(path.read_text()) if path.exists() else {}
        known = document.get("fingerprints") == fingerprints(tenants)
        return {
            "cached": True,
            "known": document["line"] if known else None,
            "rows": sum(generated_rows(tenants, datasets_dir).values()),
        }

    def remove() -> None:
        for tenant in tenants:
            shutil.rmtree(datasets_dir / tenant.tenant_id, ignore_errors=True)

    _, timing = timed_repeats(
        lambda: generate(tenants, datasets_dir, workers=request["workers"]),
        request["repeats"],
        before_each=remove,
    )
    rows = generated_rows(tenants, datasets_dir)
    return {**timing.summary(), "cached": False, "rows": sum(rows.values()), "rows_by_table": rows}
