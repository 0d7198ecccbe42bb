"""Tables of the platform benchmark's results (``benchmarks/platform_benchmark.py``).

Per size: one line per stage and warehouse, the Singer sample against its bulk reference,
the CLV comparison with lifetimes, every dashboard card's and KPI function's p50 / p95; for a
mix of tenants (``agency``) or with every tenant's MMM (``--mmm-tenants all``), each model's
seconds per tenant by size class, the failures by tenant and the nightly path of every tenant
summed; then, across the sizes in the JSON file, the growth exponent of each stage (b in
seconds ∝ rows^b between consecutive scaled sizes: about 1 is linear, 2 quadratic, about 0 a
cost that does not grow; a mix is no step of that ladder), and the issue's targets, met or
missed.
"""

from __future__ import annotations

import itertools
import statistics
from collections import defaultdict

import pandas as pd

from benchmarks.dbt_bench_data import MIXED_SIZES, SIZES
from benchmarks.dbt_bench_report import growth_exponent, growth_steps

#: The issue's targets, for the large size on the 2-core machine.
TARGET_SIZE = "large"
GIB = 1024.0


def format_seconds(value: float | None) -> str:
    """Seconds with the precision that matters at their scale; '-' when not measured."""
    if value is None:
        return "-"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def _number(value, pattern: str = "{:,.0f}") -> str:
    return "-" if value is None else pattern.format(value)


def _ordered(entries: list[dict]) -> list[dict]:
    return sorted(entries, key=lambda e: (SIZES.index(e["size"]), e["warehouse"]))


def stage_table(entries: list[dict]) -> pd.DataFrame:
    """One line per warehouse and stage of one size."""
    lines = []
    for entry in _ordered(entries):
        for key, line in entry["stages"].items():
            lines.append(
                {
                    "warehouse": entry["warehouse"],
                    "stage": line["label"],
                    "rows": f"{_number(line.get('rows'))} {line.get('rows_label', '')}".strip(),
                    "wall s": format_seconds(line.get("wall_seconds")),
                    "CPU s": format_seconds(line.get("cpu_seconds")),
                    "peak MiB": _number(line.get("peak_mib")),
                    "server CPU s": format_seconds(line.get("server_cpu_seconds")),
                    "server MiB": _number(line.get("server_peak_mib")),
                    "rows/s": _number(line.get("rows_per_second")) if key in RATED_STAGES else "",
                    "runs": _number(line.get("repeats")),
                    "note": line.get("note") or "",
                }
            )
    return pd.DataFrame(lines).set_index(["warehouse", "stage"]) if lines else pd.DataFrame()


#: Stages whose rows per second mean something (rows processed, not rows behind a query).
RATED_STAGES = {"generate", "singer_landing", "singer_bulk_reference", "bulk_load", "clv_cerebro",
                "clv_lifetimes_summaries", "clv_lifetimes"}  # fmt: skip


def latency_table(
    entries: list[dict], key: str, index: list[str], across: list[str]
) -> pd.DataFrame:
    """p50 and p95 in milliseconds: one line per ``index`` values (a card and its period, a
    KPI function), one column pair per ``across`` values (the warehouse, with the period)."""
    records = []
    for entry in _ordered(entries):
        for row in entry.get(key) or []:
            row = {**row, "warehouse": entry["warehouse"]}
            base = {name: row[name] for name in index}
            column = " ".join(str(row[name]) for name in across)
            if "error" in row:
                records.append({**base, "column": column, "p50 ms": "ERROR", "p95 ms": "ERROR"})
                continue
            records.append(
                {**base, "column": column, "p50 ms": f"{row['p50_seconds'] * 1000:,.1f}",
                 "p95 ms": f"{row['p95_seconds'] * 1000:,.1f}"}
            )  # fmt: skip
    if not records:
        return pd.DataFrame()
    frame = pd.DataFrame(records).pivot(index=index, columns="column", values=["p50 ms", "p95 ms"])
    return frame.swaplevel(axis=1).sort_index(axis=1, level=0, sort_remaining=False).fillna("")


def stage_exponent(smaller: dict, larger: dict) -> float | None:
    """Growth exponent of one stage between two sizes, against the stage's own rows; None
    when either is unmeasured or the rows did not change (the model's days, say)."""
    rows = (smaller.get("rows"), larger.get("rows"))
    seconds = (smaller.get("wall_seconds"), larger.get("wall_seconds"))
    if None in rows or None in seconds or rows[0] == rows[1] or min(*rows, *seconds) <= 0:
        return None
    return growth_exponent(rows, seconds)


def card_exponents(smaller: dict, larger: dict) -> list[tuple[float, str]]:
    """Each card's p50 growth exponent against the raw rows of the two sizes, per period."""
    rows = (smaller.get("raw_rows_total"), larger.get("raw_rows_total"))
    if None in rows or rows[0] == rows[1]:
        return []
    before = {
        (r["dashboard"], r["card"], r["period"]): r["p50_seconds"]
        for r in smaller.get("dashboards") or []
        if "error" not in r
    }
    found = []
    for row in larger.get("dashboards") or []:
        key = (row["dashboard"], row["card"], row["period"])
        if "error" not in row and key in before and before[key] > 0 and row["p50_seconds"] > 0:
            exponent = growth_exponent(rows, (before[key], row["p50_seconds"]))
            found.append((exponent, f"{row['dashboard']}/{row['card']} {row['period']}"))
    return sorted(found, reverse=True)


def exponents_table(entries: list[dict]) -> pd.DataFrame:
    """Per warehouse and stage, the exponent between each pair of consecutive sizes; for the
    dashboards also the card whose cost grows fastest."""
    lines = []
    for warehouse in sorted({e["warehouse"] for e in entries}):
        mine = [e for e in _ordered(growth_steps(entries)) if e["warehouse"] == warehouse]
        for smaller, larger in itertools.pairwise(mine):
            pair = f"{smaller['size']} -> {larger['size']}"
            for key, line in larger["stages"].items():
                if key not in smaller["stages"]:
                    continue
                exponent = stage_exponent(smaller["stages"][key], line)
                lines.append(
                    {"warehouse": warehouse, "stage": line["label"], "sizes": pair,
                     "b": _number(exponent, "{:.2f}")}
                )  # fmt: skip
            fastest = card_exponents(smaller, larger)
            if fastest:
                exponent, card = fastest[0]
                lines.append(
                    {"warehouse": warehouse, "stage": f"fastest-growing card: {card}",
                     "sizes": pair, "b": f"{exponent:.2f}"}
                )  # fmt: skip
    if not lines:
        return pd.DataFrame()
    frame = pd.DataFrame(lines)
    order = list(dict.fromkeys(frame["stage"]))
    table = frame.pivot_table(
        index=["warehouse", "stage"], columns="sizes", values="b", aggfunc="first", sort=False
    )
    return table.reindex(sorted(table.index, key=lambda k: (k[0], order.index(k[1])))).fillna("")


# Per tenant ---------------------------------------------------------------------------------

#: Stages whose seconds per tenant an entry keeps (``per_tenant``), as the report names them.
PER_TENANT_LABELS = {"clv_cerebro": "CLV fit + score", "mmm_tenants": "MMM + optimizer"}
#: What one night of every tenant runs, as the stages measured it.
NIGHTLY_STAGES = {
    "dbt_daily_build": "dbt daily build",
    "clv_cerebro": "CLV",
    "mmm_tenants": "MMM",
    "dbt_ml_step": "dbt on the ML outputs",
}


def tenants_note(result: dict) -> str:
    """The note of the every-tenant MMM line: processes, per-tenant seconds, failures."""
    failed = result["failed"]
    note = (
        f"{result['workers']} processes; per tenant median "
        f"{format_seconds(result['median_tenant_seconds'])} s, "
        f"max {format_seconds(result['max_tenant_seconds'])} s"
    )
    return note + (f"; {len(failed)} of {result['tenants_total']} FAILED" if failed else "")


def size_classes(
    seconds: dict[str, float], failed: dict[str, str], customers: dict[str, int]
) -> list[dict]:
    """Per size class (the tenants of one customer count), largest first: its tenants, how
    many were timed and how many failed, and the median and largest of the timed seconds."""
    classes: dict[int, list[str]] = defaultdict(list)
    for tenant_id, count in customers.items():
        classes[count].append(tenant_id)
    lines = []
    for count in sorted(classes, reverse=True):
        timed = [seconds[t] for t in classes[count] if t in seconds]
        lines.append(
            {
                "customers": count,
                "tenants": len(classes[count]),
                "timed": len(timed),
                "failed": sum(t in failed for t in classes[count]),
                "median_seconds": statistics.median(timed) if timed else None,
                "max_seconds": max(timed) if timed else None,
            }
        )
    return lines


def _shows_per_tenant(entry: dict) -> bool:
    per_tenant = entry.get("per_tenant") or {}
    return entry["size"] in MIXED_SIZES or "mmm_tenants" in per_tenant


def per_tenant_table(entries: list[dict]) -> pd.DataFrame:
    """One line per warehouse, model and size class (``size_classes``)."""
    lines = []
    for entry in _ordered(entries):
        for key, kept in (entry.get("per_tenant") or {}).items():
            classes = size_classes(kept["seconds"], kept["failed"], entry["tenant_customers"])
            for line in classes:
                lines.append(
                    {"warehouse": entry["warehouse"], "model": PER_TENANT_LABELS[key],
                     "customers": f"{line['customers']:,}", "tenants": line["tenants"],
                     "timed": line["timed"], "failed": line["failed"],
                     "median s": format_seconds(line["median_seconds"]),
                     "max s": format_seconds(line["max_seconds"])}
                )  # fmt: skip
    if not lines:
        return pd.DataFrame()
    return pd.DataFrame(lines).set_index(["warehouse", "model", "customers"])


def nightly_line(entry: dict) -> str | None:
    """Every tenant's night summed from the stages that measured it (None without the
    every-tenant MMM)."""
    walls = {k: (entry["stages"].get(k) or {}).get("wall_seconds") for k in NIGHTLY_STAGES}
    if walls["mmm_tenants"] is None:
        return None
    parts = [(NIGHTLY_STAGES[k], wall) for k, wall in walls.items() if wall is not None]
    total = sum(wall for _, wall in parts)
    return (
        f"Nightly path of every tenant ({entry['warehouse']}): "
        + " + ".join(f"{name} {format_seconds(wall)} s" for name, wall in parts)
        + f" = {format_seconds(total)} s ({total / 3600:.2f} h); the MMM is the revenue model "
        "alone, the nightly asset also fits new customers"
    )


def print_per_tenant(entries: list[dict]) -> None:
    """For a mix of tenants or every tenant's MMM: the seconds per tenant by size class, each
    failed tenant with its reason, and the night of every tenant summed."""
    mine = [e for e in _ordered(entries) if _shows_per_tenant(e)]
    table = per_tenant_table(mine)
    if table.empty:
        return
    print("\nSeconds per tenant by size class (each tenant's own work; 'timed' excludes failures)")
    print(table.to_string())
    for entry in mine:
        for key, kept in entry["per_tenant"].items():
            for tenant_id, reason in kept["failed"].items():
                print(f"FAILED {entry['warehouse']}/{key}/{tenant_id}: {reason.splitlines()[0]}")
        line = nightly_line(entry)
        if line:
            print(line)


# Targets ------------------------------------------------------------------------------------


def _line(entries: list[dict], warehouse: str | None, key: str) -> dict | None:
    for entry in entries:
        if (warehouse is None or entry["warehouse"] == warehouse) and key in entry["stages"]:
            return entry["stages"][key]
    return None


def _wall(entries, warehouse, key) -> float | None:
    line = _line(entries, warehouse, key)
    return None if line is None else line.get("wall_seconds")


def _target(name: str, value: float | None, text: str, met) -> dict:
    return {"target": name, "value": "-" if value is None else text, "met": met(value)}


def target_rows(entries: list[dict]) -> list[dict]:
    """The issue's targets measured on one size's entries (one per warehouse)."""
    below = lambda limit: lambda v: None if v is None else v < limit  # noqa: E731
    rows = []
    full = _wall(entries, "duckdb", "dbt_full_build")
    rows.append(_target("full dbt build on DuckDB < 2 min", full, f"{format_seconds(full)} s",
                        below(120)))  # fmt: skip
    for warehouse in sorted({e["warehouse"] for e in entries}):
        one, total = (_wall(entries, warehouse, k) for k in
                      ("dbt_daily_build_one_tenant", "dbt_full_build"))  # fmt: skip
        share = one / total if one is not None and total else None
        rows.append(
            _target(f"one daily partition < 10 % of the full build ({warehouse})", share,
                    f"{share:.0%}" if share is not None else "", below(0.10))
        )  # fmt: skip
    clv = _line(entries, None, "clv_cerebro")
    seconds = None if clv is None else clv["wall_seconds"]
    customers = f" ({clv['rows']:,} customers)" if clv else ""
    rows.append(_target("CLV fit + score < 5 s", seconds,
                        f"{format_seconds(seconds)} s{customers}", below(5)))  # fmt: skip
    comparison = next((e["clv_comparison"] for e in entries if "clv_comparison" in e), None)
    # lifetimes as documented starts from the transactions, as ours does: its summaries count
    # (results written before they were timed have the fit + score ratio alone).
    fit_only = None if comparison is None else comparison["speedup"]
    speedup = None if comparison is None else comparison.get("speedup_from_transactions", fit_only)
    shown = "" if speedup is None else f"{speedup:.1f}x"
    if speedup is not None and speedup != fit_only:
        shown += f" ({fit_only:.1f}x fit + score alone)"
    rows.append(_target("CLV >= 5x faster than lifetimes", speedup, shown,
                        lambda v: None if v is None else v >= 5))  # fmt: skip
    mmm = _wall(entries, None, "mmm_fit")
    rows.append(_target("MMM fit incl. search and backtest < 2 min", mmm,
                        f"{format_seconds(mmm)} s", below(120)))  # fmt: skip
    rows.append(_card_target(entries))
    peaks = [
        (line.get("peak_mib") or 0) + (line.get("server_peak_mib") or 0)
        for entry in entries
        for line in entry["stages"].values()
        if line.get("peak_mib") is not None
    ]
    peak = max(peaks) / GIB if peaks else None
    rows.append(_target("peak memory of any stage < 4 GiB", peak, f"{peak:.2f} GiB" if peak
                        else "", below(4)))  # fmt: skip
    return rows


def _card_target(entries: list[dict]) -> dict:
    cards = [r for e in entries if e["warehouse"] == "postgres" for r in e.get("dashboards") or []]
    name = "every dashboard card p95 < 1 s on PostgreSQL"
    if not cards:
        return {"target": name, "value": "-", "met": None}
    failed = [r for r in cards if "error" in r]
    worst = max(cards, key=lambda r: r.get("p95_seconds", float("inf")))
    if failed:
        return {"target": name, "value": f"{len(failed)} cards failed", "met": False}
    text = f"{format_seconds(worst['p95_seconds'])} s ({worst['card']} {worst['period']})"
    return {"target": name, "value": text, "met": worst["p95_seconds"] < 1}


def targets_table(entries: list[dict]) -> pd.DataFrame:
    """Targets (rows) by size (columns): the value and whether it is met."""
    columns = {}
    for size in [s for s in SIZES if any(e["size"] == s for e in entries)]:
        rows = target_rows([e for e in entries if e["size"] == size])
        columns[size] = {
            row["target"]: row["value"] + {True: "  met", False: "  MISSED", None: ""}[row["met"]]
            for row in rows
        }
    return pd.DataFrame(columns)


# The report ---------------------------------------------------------------------------------


def _header(entries: list[dict]) -> str:
    entry = entries[0]
    orders = (entry.get("raw_rows") or {}).get("raw_shopify.orders")
    parts = [f"{len(entry['tenants'])} tenants", f"{entry['customers']:,} customers"]
    if orders:
        parts.append(f"{orders:,} orders")
    if entry.get("raw_rows_total"):
        parts.append(f"{entry['raw_rows_total']:,} raw rows")
    parts.append(f"{entry['history_days']} days")
    machine = (
        f"{entry['cores']} cores, {entry['memory_gib']} GiB, load average "
        f"{entry['load_average_1m']}, {entry['measured_at']}, {entry['commit']}"
    )
    return f"\n=== {entry['size']}: {', '.join(parts)} ===\nMachine: {machine}"


def print_size(entries: list[dict]) -> None:
    print(_header(entries))
    print(
        "Stages: wall and CPU seconds of the stage's own work (median of the runs); peak MiB "
        "of its process with the subprocesses it ran; on PostgreSQL the server's CPU over the "
        "stage's process and its peak memory (PSS)."
    )
    print(stage_table(entries).to_string())
    for entry in _ordered(entries):
        for key, text in (("failures", "FAILED"),):
            for stage, reason in (entry.get(key) or {}).items():
                print(f"{text} {entry['warehouse']}/{stage}: {reason.splitlines()[0]}")
    print_per_tenant(entries)
    cards = latency_table(entries, "dashboards", ["dashboard", "card", "period"], ["warehouse"])
    if not cards.empty:
        print(
            "\nDashboard cards with their dashboard's defaults (period: its days), ms "
            "(p50 = median, p95 = nearest rank, after one cold run)"
        )
        print(cards.to_string())
    kpis = latency_table(entries, "kpis", ["function"], ["warehouse", "period"])
    if not kpis.empty:
        print("\nKPI functions, ms")
        print(kpis.to_string())


def print_platform_report(entries: list[dict], fresh: set[tuple[str, str]]) -> None:
    """Every size in ``entries`` (those not in ``fresh`` come from earlier runs), then the
    growth exponents and the targets."""
    older = [e for e in _ordered(entries) if (e["size"], e["warehouse"]) not in fresh]
    if older:
        print("\n(from earlier runs: " + ", ".join(
            f"{e['size']}/{e['warehouse']} {e['measured_at']}" for e in older) + ")")  # fmt: skip
    for size in SIZES:
        mine = [e for e in entries if e["size"] == size]
        if mine:
            print_size(mine)
    exponents = exponents_table(entries)
    if not exponents.empty:
        print("\nGrowth exponent b (seconds ∝ rows^b; rows: the stage's own, '-' when they do "
              "not change) between sizes")  # fmt: skip
        print(exponents.to_string())
    print(f"\nTargets (the issue's, for the {TARGET_SIZE} size; smaller sizes for reference)")
    print(targets_table(entries).to_string())
