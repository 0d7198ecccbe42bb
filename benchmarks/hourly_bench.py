"""What an hourly run costs (issue 28, "Hourly operations"; not a test): the
``hourly_operations`` job run for each tenant on an existing warehouse (the demo's by default,
``make demo`` first), as the hourly schedule launches it, repeated ``--repeats`` times.

Prints, per tenant, the median wall seconds of its run, the Shopify records the incremental sync
landed, the rows dbt rewrote (orchestration/hourly.py ``rows_rewritten``: the window's rows of
each table it built, lookback included) and how many dbt models the run built, next to how many
the daily run builds.

    uv run python benchmarks/hourly_bench.py [--data-dir data] [--date 2026-11-22] [--repeats 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
from pathlib import Path

from cerebro.settings import DBT_PROJECT_DIR, load_settings
from orchestration.hourly import HourlyRun, run_hourly


def _daily_model_count() -> int:
    """Models the daily partition step builds: every model but the ML step's and the macro
    tests (orchestration/dbt_assets.py), counted from the manifest the run prepared."""
    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text())
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    return sum(
        1
        for node in models
        if "macro_test" not in node["tags"] and not node["original_file_path"].startswith(
            ("models/staging/ml/", "models/marts/ml/", "models/marts/budget/",
             "models/marts/executive/")
        )
    )  # fmt: skip


def _report(runs_by_repeat: list[list[HourlyRun]]) -> None:
    by_tenant: dict[str, list[HourlyRun]] = {}
    for runs in runs_by_repeat:
        for run in runs:
            by_tenant.setdefault(run.tenant_id, []).append(run)
    print(f"{'tenant':<16} {'day':<10} {'runs':>4} {'s (median)':>10} {'s (min-max)':>13} "
          f"{'landed':>7} {'dbt rows':>9} {'touched':>9} {'models':>6}")  # fmt: skip
    for tenant_id, runs in by_tenant.items():
        seconds = [run.seconds for run in runs]
        last = runs[-1]
        print(
            f"{tenant_id:<16} {last.day.isoformat():<10} {len(runs):>4} "
            f"{statistics.median(seconds):>10.1f} {min(seconds):>6.1f}-{max(seconds):<6.1f} "
            f"{last.records_landed:>7,} {last.dbt_rows:>9,} {last.rows_touched:>9,} "
            f"{len(last.models_built):>6}"
        )
    print(f"(the daily partition step builds {_daily_model_count()} models)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, help="Warehouse and state (default: data/).")
    parser.add_argument("--date", type=dt.date.fromisoformat, help="Day (default: today).")
    parser.add_argument("--repeats", type=int, default=3, help="Runs per tenant (default 3).")
    args = parser.parse_args(argv)
    environ = dict(os.environ)
    if args.data_dir:
        environ["CEREBRO_DATA_DIR"] = str(args.data_dir)
    settings = load_settings(environ)
    if settings.warehouse == "duckdb" and not settings.duckdb_path.exists():
        print(f"no warehouse at {settings.duckdb_path}: run `make demo` first", file=sys.stderr)
        return 2
    runs_by_repeat = []
    for _ in range(args.repeats):
        runs = run_hourly(settings, day=args.date)
        failed = [run for run in runs if not run.success]
        if failed:
            for run in failed:
                print(f"{run.tenant_id}: {run.error}", file=sys.stderr)
            return 1
        runs_by_repeat.append(runs)
    _report(runs_by_repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
