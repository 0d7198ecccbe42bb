"""The platform at scale: every stage timed, per size and warehouse (not a test).

    make bench SIZE="small medium large" WAREHOUSE=both
    make bench SIZE=agency WAREHOUSE=postgres BENCH_ARGS="--mmm-tenants all"
    python benchmarks/platform_benchmark.py --size tiny --warehouse duckdb --repeats 1

Per size (``benchmarks/dbt_bench_data.py``: tiny; small = the shipped demo; medium = 100 000
customers; large = 1 000 000, two years; agency = 100 tenants of mixed sizes, CLP and PEN,
three time zones, 213 000 customers) and warehouse, in the platform's order:

1. ``generate``: the demo generator (once per size, cached with ``make bench-dbt``);
2. ``singer``: a sample landed through the real tap | target subprocesses, and the same rows
   bulk loaded, the physical reference (``benchmarks/bench_landing.py``);
3. ``load``: every row bulk loaded in the targets' shape;
4. ``dbt``: the full build and the daily partition runs (``dbt_incremental_benchmark``);
5. ``clv``: the platform's customer-value fit + score vs lifetimes used as documented, and
   ``mmm``: the largest tenant's MMM fit (posterior, backtest) and the budget
   optimizer over the scenarios (``benchmarks/bench_ml.py``), measured on the first warehouse;
   with ``--mmm-tenants all`` also every tenant's, once each, in ``--ml-workers`` processes
   (``benchmarks/bench_mmm_tenants.py``), reported by size class beside CLV's per tenant;
6. ``dashboards``: every card's query p50 / p95 after the models on the ML outputs are built,
   and ``kpis``: the KPI functions (``benchmarks/bench_queries.py``).

Every stage but dbt runs in a process of its own (``benchmarks/bench_child.py``): wall and CPU
seconds of the stage's work (the median of ``--repeats`` runs, fewer for a run over a minute),
and, from ``benchmarks/process_usage.py``, the peak memory of the process with the
subprocesses it ran and on PostgreSQL the server's CPU and memory meanwhile. ``--stage`` picks the
stages to measure; what they need still runs, once. Results are merged into a JSON file (one
entry per size and warehouse) from which the growth exponents between sizes come; the report
marks the issue's targets met or missed at the large size (``benchmarks/bench_report.py``).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from benchmarks.bench_child import StageError, run_child, settings_to_json
from benchmarks.bench_report import print_platform_report, tenants_note
from benchmarks.dbt_bench_data import DEMO_TENANTS_FILE, SIZES, bench_tenants
from benchmarks.dbt_incremental_benchmark import (
    DEFAULT_WORK_DIR as DBT_WORK_DIR,
)
from benchmarks.dbt_incremental_benchmark import (
    ML_MODELS,
    SCENARIOS,
    WAREHOUSES,
    BenchmarkError,
    describe_machine,
    describe_ref,
    machine,
    median_summary,
    merge_results,
    pg_setting_option,
    run_scenarios,
    snapshot_dbt_project,
    warehouse_for,
)
from benchmarks.pg_settings import benchmark_postgres_settings
from cerebro.settings import PROJECT_ROOT, PostgresSettings, Settings

STAGES = ("generate", "singer", "load", "dbt", "clv", "mmm", "dashboards", "kpis")
#: What each stage needs to have run before it (transitively).
NEEDS = {
    "singer": set(),
    "load": set(),
    "dbt": {"load"},
    "clv": {"load", "dbt"},
    "mmm": {"load", "dbt"},
    # The cards on the ML marts need the models' outputs and the second dbt step.
    "dashboards": {"load", "dbt", "clv", "mmm"},
    "kpis": {"load", "dbt"},
}
DEFAULT_DBT_SCENARIOS = ("full_build", "daily_build", "daily_build_one_tenant")
DEFAULT_REPEATS = 3
DEFAULT_WORK_DIR = PROJECT_ROOT / ".bench" / "platform"
#: Shared with `make bench-dbt`: each size is generated once for both.
DEFAULT_DATASETS_DIR = DBT_WORK_DIR / "datasets"
DBT_LABELS = {
    "full_build": "dbt build, full refresh",
    "daily_build": "dbt build, last day, every tenant",
    "daily_build_one_tenant": "dbt build, one daily partition",
    "full_run": "dbt run, full refresh",
    "daily_run": "dbt run, last day, every tenant",
}


def stage_summary(label: str, timing: dict, process: dict, rows, rows_label: str, **extra) -> dict:
    """One line of the report: the stage's own (median) seconds, the process's peak memory,
    the server's share on PostgreSQL."""
    wall = timing.get("wall_seconds")
    return {
        "label": label,
        "rows": rows,
        "rows_label": rows_label,
        "wall_seconds": wall,
        "cpu_seconds": timing.get("cpu_seconds"),
        "repeats": timing.get("repeats"),
        "wall_seconds_each": timing.get("wall_seconds_each"),
        "rows_per_second": rows / wall if rows and wall else None,
        "peak_mib": process.get("peak_mib"),
        "server_cpu_seconds": process.get("server_cpu_seconds"),
        "server_peak_mib": process.get("server_peak_mib"),
        **extra,
    }


def dbt_summary(label: str, summary: dict, rows: int) -> dict:
    """A dbt scenario's medians (``median_summary``) as a report line: dbt's own CPU and
    memory, the server's apart."""
    server = summary["server_peak_mib"]
    return stage_summary(
        label,
        {**summary, "cpu_seconds": summary["dbt_cpu_seconds"]},
        {
            "peak_mib": summary["dbt_peak_mib"],
            "server_cpu_seconds": summary["cpu_seconds"] - summary["dbt_cpu_seconds"]
            if server is not None
            else None,
            "server_peak_mib": server,
        },
        rows,
        "raw rows",
        repeats=len(summary["wall_seconds_each"]),
        dbt=summary,
    )


@contextlib.contextmanager
def sample_warehouse(kind: str, name: str, work_dir: Path, server) -> Iterator[Settings]:
    """An empty warehouse for a landing sample, removed afterwards."""
    if kind == "duckdb":
        path = work_dir / f"{name}.duckdb"
        path.unlink(missing_ok=True)
        try:
            yield Settings(work_dir, work_dir / "unused.yml", "duckdb", path)
        finally:
            path.unlink(missing_ok=True)
        return
    database = server.create_database(name)
    try:
        postgres = PostgresSettings(server.host, server.port, server.user, database)
        yield Settings(work_dir, work_dir / "unused.yml", "postgres", postgres=postgres)
    finally:
        with server.connect(autocommit=True) as connection:
            connection.execute(f'drop database "{database}" with (force)')


class SizeRun:
    """The stages of one size on one warehouse, adding their lines to ``entry``."""

    def __init__(self, options, size: str, kind: str, measure_models: bool, server) -> None:
        self.options, self.size, self.kind, self.server = options, size, kind, server
        self.measure_models = measure_models
        self.tenants = bench_tenants(size, options.tenants_file)
        self.largest = max(self.tenants, key=lambda t: t.settings.customers).tenant_id
        self.work_dir = options.work_dir / size / kind
        self.stages_dir = self.work_dir / "stages"
        self.entry: dict = {"size": size, "warehouse": kind, "stages": {}, "failures": {}}
        self.dbt = None

    @property
    def lines(self) -> dict:
        return self.entry["stages"]

    def request(self, **extra) -> dict:
        return {
            "size": self.size,
            "tenants_file": str(self.options.tenants_file),
            "datasets_dir": str(self.options.datasets_dir),
            "repeats": self.options.repeats,
            "settings": settings_to_json(self.dbt.settings) if self.dbt else None,
            **extra,
        }

    def child(self, stage: str, **extra) -> dict:
        server_pid = self.dbt.server_pid if self.dbt else None
        print(f"  {self.size}/{self.kind}: {stage}…", flush=True)
        return run_child(stage, self.request(**extra), self.stages_dir, server_pid)

    @property
    def raw_rows(self) -> int | None:
        return self.entry.get("raw_rows_total")

    # Stages ---------------------------------------------------------------------------------

    def singer(self) -> None:
        with (
            sample_warehouse(self.kind, f"singer_{self.size}", self.work_dir, self.server) as s,
            sample_warehouse(self.kind, f"bulk_{self.size}", self.work_dir, self.server) as b,
        ):
            result = self.child(
                "singer", singer_days=self.options.singer_days,
                singer_settings=settings_to_json(s), bulk_settings=settings_to_json(b),
            )  # fmt: skip
        process, rows = result["process"], result["rows"]
        self.entry["singer"] = {k: v for k, v in result.items() if k != "process"}
        self.lines["singer_landing"] = stage_summary(
            "Singer landing, tap | target", result["singer"], process, rows, "records",
            note=f"{result['sample']}; {result['pipelines']} tap | target runs, "
            f"{result['singer']['wall_seconds'] / result['pipelines']:.1f} s each"
            + ("" if result["same_rows_as_bulk"] else "; ROW COUNTS DIFFER FROM THE BULK LOAD"),
        )  # fmt: skip
        speedup = result["bulk_speedup"]
        self.lines["singer_bulk_reference"] = stage_summary(
            "bulk load of the same rows", result["bulk"], process, rows, "records",
            note=f"{speedup:,.0f}x the Singer rate" if speedup else None,
        )  # fmt: skip

    def load(self) -> None:
        result = self.child("load")
        self.entry["raw_rows"] = result["rows_by_table"]
        self.entry["raw_rows_total"] = result["rows"]
        self.lines["bulk_load"] = stage_summary(
            "bulk load, every row", result, result["process"], result["rows"], "raw rows"
        )

    def dbt_build(self, measure: bool) -> None:
        scenarios = self.options.dbt_scenario if measure else []
        measured = run_scenarios(
            self.dbt, self.tenants, self.options.repeats, scenarios, max_repeat_seconds=60.0
        )
        for key, values in measured.items():
            self.lines[f"dbt_{key}"] = dbt_summary(
                DBT_LABELS[key], median_summary(values), self.raw_rows
            )

    def clv(self, measure: bool, write_outputs: bool) -> None:
        ours_path = self.stages_dir / "clv_predictions.parquet"
        result = self.child(
            "clv", repeats=self.options.repeats if measure else 1,
            predictions_path=str(ours_path), write_outputs=write_outputs,
        )  # fmt: skip
        if not measure:
            return
        self.lines["clv_cerebro"] = stage_summary(
            "CLV fit + score, ml_assets.clv", result, result["process"], result["rows"],
            "customers", failed=result["failed"],
            note=f"{result['distinct_histories']:,} distinct histories reach Python; every "
            f"customer scored and written by the warehouse in {result['scoring_seconds']:.2f} s "
            "(lifetimes' rows below are not written)",
        )  # fmt: skip
        self.keep_per_tenant("clv_cerebro", result)
        if not self.options.skip_lifetimes:
            self.lifetimes(result, ours_path)

    def lifetimes(self, ours: dict, ours_path: Path) -> None:
        from benchmarks.bench_ml import prediction_differences

        theirs_path = self.stages_dir / "clv_lifetimes_predictions.parquet"
        result = self.child(
            "clv_lifetimes", tenants=ours["tenants"], predictions_path=str(theirs_path)
        )
        comparison = prediction_differences(
            pd.read_parquet(ours_path), pd.read_parquet(theirs_path)
        )
        summaries = result["summaries"]
        # Ours builds its summaries inside its time; lifetimes' fit + score is handed them.
        speedup = result["wall_seconds"] / ours["wall_seconds"]
        from_transactions = (summaries["wall_seconds"] + result["wall_seconds"]) / ours[
            "wall_seconds"
        ]
        self.entry["clv_comparison"] = {
            **comparison,
            "speedup": speedup,
            "speedup_from_transactions": from_transactions,
            "summary_max_abs_difference": summaries["max_abs_difference"],
        }
        differences = ", ".join(
            f"{name} {value:.1e}" if value is not None else f"{name} -"
            for name, value in comparison["max_abs_difference"].items()
        )
        self.lines["clv_lifetimes_summaries"] = stage_summary(
            "CLV summaries, lifetimes (documented)", summaries, result["process"],
            result["rows"], "customers",
            note="summary_data_from_transaction_data; max |difference| from ours "
            + ", ".join(f"{k} {v:g}" for k, v in summaries["max_abs_difference"].items()),
        )  # fmt: skip
        self.lines["clv_lifetimes"] = stage_summary(
            "CLV fit + score, lifetimes (documented)", result, result["process"],
            result["rows"], "customers", failed=result["failed"],
            note=f"ours {speedup:.1f}x faster ({from_transactions:.1f}x from the transactions, "
            f"summaries included); max |difference| {differences}",
        )  # fmt: skip

    def mmm(self, measure: bool, write_outputs: bool) -> None:
        result = self.child(
            "mmm", tenant_id=self.largest, measure=measure, write_outputs=write_outputs,
            mmm_draws=self.options.mmm_draws,
        )  # fmt: skip
        if not measure:
            return
        process, days = result["process"], result["rows"]
        note = f"{result['tenant_id']}, {len(result['channels'])} channels"
        self.lines["mmm_fit"] = stage_summary(
            "MMM posterior + backtest (revenue)", result["fit"], process, days, "days",
            note=f"{note}, {result['posterior_draws']} draws per chain",
        )  # fmt: skip
        optimizer = result["optimizer"]
        self.lines["mmm_optimizer"] = stage_summary(
            "budget optimizer, scenario grid", optimizer, process, days, "days",
            note=f"{optimizer['scenarios']} scenarios",
        )  # fmt: skip
        if self.options.mmm_tenants == "all":
            self.mmm_every_tenant()

    def mmm_every_tenant(self) -> None:
        result = self.child(
            "mmm_tenants", ml_workers=self.options.ml_workers, mmm_draws=self.options.mmm_draws
        )
        self.keep_per_tenant("mmm_tenants", result)
        self.lines["mmm_tenants"] = stage_summary(
            "MMM + optimizer, every tenant (revenue)", result, result["process"],
            result["rows"], "tenants", read_seconds=result["read_seconds"],
            failed=result["failed"], note=tenants_note(result),
        )  # fmt: skip

    def keep_per_tenant(self, key: str, result: dict) -> None:
        """Each tenant's own seconds and failures, which the report groups by size class."""
        seconds = {t: figures["seconds"] for t, figures in result["tenants"].items()}
        per_tenant = self.entry.setdefault("per_tenant", {})
        per_tenant[key] = {"seconds": seconds, "failed": result["failed"]}

    def dbt_ml_step(self) -> None:
        measurement = self.dbt.invoke("build", "--select", ML_MODELS, label="ml_step")
        self.lines["dbt_ml_step"] = dbt_summary(
            "dbt build, models on the ML outputs", median_summary([measurement]), self.raw_rows
        )

    def dashboards(self) -> None:
        self.dbt_ml_step()
        self.queries("dashboards", "dashboard cards, sum of p50 (their defaults)")

    def queries(self, stage: str, label: str) -> None:
        result = self.child(
            stage, tenant_id=self.largest, query_repeats=self.options.query_repeats,
            query_budget_seconds=self.options.query_budget,
        )  # fmt: skip
        self.entry[stage] = result["cards" if stage == "dashboards" else "kpis"]
        worst = result["max_p95_seconds"]
        self.lines[stage] = stage_summary(
            label, result, result["process"], self.raw_rows, "raw rows",
            repeats=None, max_p95_seconds=worst, errors=result["errors"],
            note=f"{result['tenant_id']}; {result['queries']} timed"
            + (f", slowest p95 {worst:.3f} s" if worst is not None else "")
            + (f", {result['errors']} FAILED" if result["errors"] else ""),
        )  # fmt: skip

    # The order --------------------------------------------------------------------------------

    def run(self, generation: dict) -> dict:
        chosen = set(self.options.stage)
        needed = chosen | set().union(*(NEEDS[s] for s in chosen if s in NEEDS))
        self.lines["generate"] = generation
        steps = [
            ("singer", lambda: self.singer()),
            ("load", lambda: self.load()),
            ("dbt", lambda: self.dbt_build(measure="dbt" in chosen)),
            ("clv", lambda: self.clv(self.measures("clv"), "dashboards" in chosen)),
            ("mmm", lambda: self.mmm(self.measures("mmm"), "dashboards" in chosen)),
            ("dashboards", lambda: self.dashboards()),
            ("kpis", lambda: self.queries("kpis", "KPI functions, sum of p50 (30 d)")),
        ]
        with warehouse_for(
            self.kind, self.size, self.work_dir, self.options.project_dir, self.server
        ) as dbt:
            self.dbt = dbt
            broken: set[str] = set()
            for name, step in steps:
                if name not in needed:
                    continue
                if NEEDS[name] & broken:
                    broken.add(name)
                    self.entry["failures"][name] = f"skipped: {sorted(NEEDS[name] & broken)} failed"
                    continue
                try:
                    step()
                except (StageError, BenchmarkError) as error:
                    broken.add(name)
                    self.entry["failures"][name] = str(error)
                    print(f"  {name} FAILED: {error}", flush=True)
        self.dbt = None
        return self.entry

    def measures(self, stage: str) -> bool:
        """Models are measured on the first warehouse only (their fit does not depend on it);
        on the others they run once, for the dashboards' sake."""
        return stage in self.options.stage and self.measure_models


def generation_line(size: str, tenants: list, options) -> dict:
    """Generate the size (or find it cached) and its report line."""
    from benchmarks.bench_landing import save_generation

    request = {
        "size": size,
        "tenants_file": str(options.tenants_file),
        "datasets_dir": str(options.datasets_dir),
        "repeats": options.repeats,
        "workers": options.workers,
        "regenerate": options.regenerate,
    }
    print(f"  {size}: generate…", flush=True)
    result = run_child("generate", request, options.work_dir / size / "stages", None)
    label = "generation (demo generator)"
    if result["cached"]:
        if result["known"] is None:
            note = "cached by an earlier run, not timed (--regenerate to time it)"
            return stage_summary(label, {}, {}, result["rows"], "raw rows", note=note)
        return {**result["known"], "note": f"cached; measured {result['known']['measured_at']}"}
    line = stage_summary(
        label, result, result["process"], result["rows"], "raw rows",
        measured_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )  # fmt: skip
    save_generation(options.datasets_dir, size, tenants, line)
    return line


def benchmark_size(size: str, kinds: list[str], options, server) -> list[dict]:
    """One size on each warehouse; models are measured on the first."""
    tenants = bench_tenants(size, options.tenants_file)
    customers = sum(t.settings.customers for t in tenants)
    print(f"\n{size}: {len(tenants)} tenants, {customers:,} customers", flush=True)
    generation = generation_line(size, tenants, options)
    entries = []
    for index, kind in enumerate(kinds):
        entry = SizeRun(options, size, kind, index == 0, server).run(generation)
        entries.append(
            {
                **entry,
                "tenants": [t.tenant_id for t in tenants],
                "tenant_customers": {t.tenant_id: t.settings.customers for t in tenants},
                "customers": customers,
                "history_days": max(t.settings.days for t in tenants),
                "repeats": options.repeats,
                "stages_selected": list(options.stage),
                "dbt_project": describe_ref(options.dbt_ref),
                **machine(),
            }
        )
    return entries


def _days(text: str) -> int | None:
    if text == "all":
        return None
    days = int(text)
    if days < 1:
        raise argparse.ArgumentTypeError("a number of days >= 1, or 'all'")
    return days


def parse_options(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--size", action="append", choices=list(SIZES), help="repeatable; default small")
    add("--warehouse", choices=[*WAREHOUSES, "both"], default="both")
    add("--stage", action="append", choices=STAGES[1:], help="repeatable; default: all")
    add("--json", type=Path, help="default: <work dir>/results.json (sizes accumulate)")
    add("--work-dir", type=Path, default=DEFAULT_WORK_DIR)
    add("--datasets-dir", type=Path, default=DEFAULT_DATASETS_DIR, help="generated data cache")
    add("--tenants-file", type=Path, default=DEMO_TENANTS_FILE,
        help="the demo tenants the sizes are derived from")  # fmt: skip
    add("--repeats", type=int, default=DEFAULT_REPEATS,
        help="runs per stage (median); a run over a minute is not repeated")  # fmt: skip
    add("--dbt-scenario", action="append", choices=[s.key for s in SCENARIOS],
        help=f"repeatable; default {', '.join(DEFAULT_DBT_SCENARIOS)}")  # fmt: skip
    add("--query-repeats", type=int, default=10, help="timed executions per card and KPI call")
    add("--query-budget", type=float, default=5.0,
        help="seconds after which a card stops repeating (at least 3 executions)")  # fmt: skip
    add("--singer-days", type=_days, default=-1,
        help="days of the first tenant landed through Singer, or 'all' (default per size: "
             "everything for tiny and small, 14 days for medium, large and agency)")  # fmt: skip
    add("--mmm-draws", type=int, help="posterior draws per chain (default: the tenant's, 200)")
    add("--mmm-tenants", choices=("largest", "all"), default="largest",
        help="all: also every tenant's MMM, once each, in --ml-workers processes")  # fmt: skip
    add("--ml-workers", type=int, default=2,
        help="processes fitting tenants side by side with --mmm-tenants all")  # fmt: skip
    add("--skip-lifetimes", action="store_true", help="do not time lifetimes beside ours")
    add("--regenerate", action="store_true", help="generate (and time) even a cached size")
    add("--workers", type=int, default=os.cpu_count() or 1, help="generator processes")
    add("--dbt-ref", default="worktree", help="dbt project to time: worktree or a git ref")
    add("--pg-setting", type=pg_setting_option, action="append", default=[], metavar="NAME=VALUE")
    options = parser.parse_args(argv)
    options.size = options.size or ["small"]
    options.stage = options.stage or list(STAGES[1:])
    options.dbt_scenario = options.dbt_scenario or list(DEFAULT_DBT_SCENARIOS)
    if min(options.repeats, options.query_repeats, options.ml_workers) < 1:
        parser.error("--repeats, --query-repeats and --ml-workers must be at least 1")
    options.json = options.json or options.work_dir / "results.json"
    return options


def main(argv: list[str] | None = None) -> int:
    options = parse_options(argv)
    kinds = list(WAREHOUSES) if options.warehouse == "both" else [options.warehouse]
    options.project_dir = snapshot_dbt_project(options.dbt_ref, options.work_dir / "project")
    about = machine()
    print(describe_machine(about))
    entries: list[dict] = []
    with contextlib.ExitStack() as stack:
        server = None
        if "postgres" in kinds:
            from tests.support.throwaway_postgres import throwaway_postgres

            settings = benchmark_postgres_settings(options.pg_setting)
            server = stack.enter_context(throwaway_postgres(settings))
        for size in options.size:
            entries += benchmark_size(size, kinds, options, server)
            # Saved as each size ends: a long run that fails later keeps what it measured.
            merged = merge_results(options.json, entries)
    print_platform_report(merged, fresh={(e["size"], e["warehouse"]) for e in entries})
    print(f"\nJSON: {options.json}")
    failed = [f"{e['size']}/{e['warehouse']}/{s}" for e in entries for s in e["failures"]]
    if failed:
        print(f"\nFAILED: {', '.join(failed)} (the JSON and the stage logs say why)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
