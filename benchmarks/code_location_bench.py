"""What loading the Dagster code location costs (issue 57; not a test): the CPU and wall
seconds of a fresh process that imports ``orchestration.definitions`` (what `dagster api grpc`,
`dagster dev` and every launched run do first), split into the libraries underneath (Dagster,
dagster-dbt with dbt-core, pandas) and Cerebro's own part (its modules and the definitions
built from the dbt manifest), each the median of ``--repeats`` fresh processes.

Needs a parsed manifest (`make demo` leaves one; `cerebro run` prepares it first).

    uv run python benchmarks/code_location_bench.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

from cerebro.settings import DBT_PROJECT_DIR

# Run in the child: the libraries first, then ours, each timed on the process clock.
_CHILD = """
import json, time
wall, cpu = time.perf_counter(), time.process_time()
import dagster, dagster_dbt, pandas
libs_wall, libs_cpu = time.perf_counter() - wall, time.process_time() - cpu
wall, cpu = time.perf_counter(), time.process_time()
from orchestration.definitions import defs
graph = defs.resolve_asset_graph()
ours_wall, ours_cpu = time.perf_counter() - wall, time.process_time() - cpu
print(json.dumps({"libs_cpu": libs_cpu, "libs_wall": libs_wall, "ours_cpu": ours_cpu,
                  "ours_wall": ours_wall, "assets": len(list(graph.get_all_asset_keys()))}))
"""


def measure_once() -> dict[str, float]:
    finished = subprocess.run(
        [sys.executable, "-c", _CHILD], capture_output=True, text=True, check=True
    )
    return json.loads(finished.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if not (DBT_PROJECT_DIR / "target" / "manifest.json").exists():
        sys.exit("no dbt manifest: run `make demo` (or `cerebro run`) first")
    runs = [measure_once() for _ in range(args.repeats)]

    def median(key: str) -> float:
        return statistics.median(run[key] for run in runs)

    rows = [
        ("libraries (dagster, dbt, pandas)", median("libs_cpu"), median("libs_wall")),
        ("cerebro definitions", median("ours_cpu"), median("ours_wall")),
    ]
    rows.append(("total", sum(row[1] for row in rows), sum(row[2] for row in rows)))
    print(f"code location load ({runs[0]['assets']} assets), median of {args.repeats} processes")
    print(f"{'part':<34} {'CPU s':>7} {'wall s':>7}")
    for part, cpu, wall in rows:
        print(f"{part:<34} {cpu:>7.2f} {wall:>7.2f}")


if __name__ == "__main__":
    main()
