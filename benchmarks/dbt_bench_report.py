"""Tables of the dbt benchmark's results (benchmarks/dbt_incremental_benchmark.py)."""

from __future__ import annotations

import itertools
import math

import pandas as pd

from benchmarks.dbt_bench_data import SCALED_SIZES, SIZES


def growth_exponent(rows: tuple[int, int], seconds: tuple[float, float]) -> float:
    """b in seconds ∝ rows^b between two sizes: ln(t2 / t1) / ln(n2 / n1)."""
    (n1, n2), (t1, t2) = rows, seconds
    if n1 <= 0 or n2 <= 0 or n1 == n2 or t1 <= 0 or t2 <= 0:
        raise ValueError(f"a growth exponent needs two different positive sizes: {rows}")
    return math.log(t2 / t1) / math.log(n2 / n1)


def _ordered(entries: list[dict]) -> list[dict]:
    return sorted(entries, key=lambda e: (e["warehouse"], SIZES.index(e["size"])))


def growth_steps(entries: list[dict]) -> list[dict]:
    """The entries of the scaled sizes, the steps between which growth exponents mean
    something (one population grown); a mix of tenants (``agency``) is no step on that
    ladder, and an exponent to or from it would mix two causes."""
    return [e for e in entries if e["size"] in SCALED_SIZES]


def rows_table(entries: list[dict]) -> pd.DataFrame:
    """Rows per raw table (rows) and size (columns); the same data on every warehouse."""
    by_size = {}
    for entry in _ordered(entries):
        by_size.setdefault(entry["size"], entry["raw_rows"])
    table = pd.DataFrame(by_size).fillna(0).astype(int)
    table.loc["total"] = table.sum()
    return table.map(lambda n: f"{n:,}")


def _seconds(entry: dict, key: str, measure: str = "wall_seconds") -> float | None:
    """A scenario's median, or None when the scenario was not run."""
    return entry[key][measure] if key in entry else None


def _format(value: float | None, pattern: str = "{:.1f}") -> str:
    return "-" if value is None else pattern.format(value)


def _ratio(numerator: float | None, denominator: float | None) -> str:
    return "-" if numerator is None or not denominator else f"{numerator / denominator:.1f}x"


def timings_table(entries: list[dict]) -> pd.DataFrame:
    """One line per size and warehouse: the full rebuild against one daily partition run."""
    lines = []
    for e in _ordered(entries):
        full, daily = _seconds(e, "full_build"), _seconds(e, "daily_build")
        full_run, daily_run = _seconds(e, "full_run"), _seconds(e, "daily_run")
        lines.append(
            {
                "size": e["size"],
                "warehouse": e["warehouse"],
                "raw rows": f"{e['raw_rows_total']:,}",
                "full build s": _format(full),
                "CPU s": _format(_seconds(e, "full_build", "cpu_seconds")),
                "peak MiB": _format(_seconds(e, "full_build", "peak_mib"), "{:.0f}"),
                "full run s": _format(full_run),
                "daily build s": _format(daily),
                "daily run s": _format(daily_run),
                "daily 1 tenant s": _format(_seconds(e, "daily_build_one_tenant")),
                "full/daily build": _ratio(full, daily),
                "full/daily run": _ratio(full_run, daily_run),
                "repeats": e["repeats"],
            }
        )
    return pd.DataFrame(lines).set_index(["size", "warehouse"])


def dbt_seconds_table(entries: list[dict]) -> pd.DataFrame:
    """dbt's own elapsed seconds (without start-up and parsing) and the rest of the wall."""
    lines = []
    for e in _ordered(entries):
        line = {"size": e["size"], "warehouse": e["warehouse"]}
        for key in ("full_build", "daily_build", "full_run", "daily_run"):
            wall, own = _seconds(e, key), _seconds(e, key, "dbt_seconds")
            line[f"{key} dbt s"] = _format(own)
            line[f"{key} start-up+parse s"] = _format(None if wall is None else wall - own)
        lines.append(line)
    return pd.DataFrame(lines).set_index(["size", "warehouse"])


def exponents_table(entries: list[dict]) -> pd.DataFrame:
    """Growth exponents of the full build (wall, dbt's own seconds, CPU) and of the daily
    build between consecutive sizes of each warehouse, against total raw rows."""
    measures = (
        ("full build wall", "full_build", "wall_seconds"),
        ("full build dbt", "full_build", "dbt_seconds"),
        ("full build CPU", "full_build", "cpu_seconds"),
        ("daily build wall", "daily_build", "wall_seconds"),
    )
    lines = []
    for warehouse in sorted({e["warehouse"] for e in entries}):
        mine = [e for e in _ordered(growth_steps(entries)) if e["warehouse"] == warehouse]
        for smaller, larger in itertools.pairwise(mine):
            rows = (smaller["raw_rows_total"], larger["raw_rows_total"])
            line = {
                "warehouse": warehouse,
                "sizes": f"{smaller['size']} -> {larger['size']}",
                "rows x": f"{rows[1] / rows[0]:.1f}",
            }
            for label, key, measure in measures:
                seconds = (_seconds(smaller, key, measure), _seconds(larger, key, measure))
                known = None not in seconds
                line[label] = _format(growth_exponent(rows, seconds) if known else None, "{:.2f}")
            lines.append(line)
    return pd.DataFrame(lines)


def profile_lines(entry: dict, key: str, top: int = 8) -> list[str]:
    """Where one scenario's dbt time went: per resource type, then the slowest nodes."""
    summary = entry[key]
    by_type = ", ".join(f"{k} {v:.1f} s" for k, v in sorted(summary["seconds_by_type"].items()))
    lines = [f"{entry['size']} {entry['warehouse']} {key}: {by_type} (summed over threads)"]
    for unique_id, seconds in summary["slowest"][:top]:
        lines.append(f"    {seconds:8.2f} s  {unique_id}")
    return lines


def print_report(entries: list[dict], fresh: set[tuple[str, str]]) -> None:
    """Every table; entries not measured by this invocation are marked with their date."""
    older = [e for e in entries if (e["size"], e["warehouse"]) not in fresh]
    if older:
        print("\n(from earlier runs: " + ", ".join(
            f"{e['size']}/{e['warehouse']} {e['measured_at']}" for e in older) + ")")  # fmt: skip
    print("\nRows per raw table\n" + rows_table(entries).to_string())
    print("\nFull rebuild vs one daily partition (medians; wall seconds include dbt start-up "
          "and parsing; CPU and peak memory: dbt plus the PostgreSQL server)")  # fmt: skip
    print(timings_table(entries).to_string())
    print("\ndbt's own elapsed seconds (run_results.json) and the rest of the wall time")
    print(dbt_seconds_table(entries).to_string())
    exponents = exponents_table(entries)
    if not exponents.empty:
        print("\nGrowth exponent b (seconds ∝ raw rows^b) between sizes")
        print(exponents.to_string(index=False))
    print("\nProfile of the largest size per warehouse")
    for warehouse in sorted({e["warehouse"] for e in entries}):
        largest = max(
            (e for e in entries if e["warehouse"] == warehouse), key=lambda e: e["raw_rows_total"]
        )
        for key in ("full_build", "daily_build"):
            if key in largest:
                print("\n".join(profile_lines(largest, key)))
