"""The terminal summary printed after the main job."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pandas as pd

from cerebro.landing.ingest import raw_row_counts
from cerebro.platform_run import PlatformRun
from cerebro.serving.dashboards.static_site import RenderedSite, tenant_folder_lines
from cerebro.serving.kpis.report import headline
from cerebro.settings import DBT_PROJECT_DIR, PROJECT_ROOT, Settings
from cerebro.tenants import SOURCES, Tenant
from cerebro.warehouse import Warehouse


def _dbt_resource_types() -> dict[str, str]:
    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text())
    return {node["name"]: node["resource_type"] for node in manifest["nodes"].values()}


def landed_rows_table(warehouse: Warehouse, tenants: list[Tenant]) -> pd.DataFrame:
    """Rows per raw table (rows) and tenant (columns)."""
    counts = pd.concat([raw_row_counts(warehouse, source) for source in SOURCES], ignore_index=True)
    table = counts.pivot_table(index="table", columns="tenant_id", values="n_rows", aggfunc="sum")
    return table.reindex(columns=[t.tenant_id for t in tenants]).fillna(0).astype(int)


def dashboards_lines(site: RenderedSite) -> list[str]:
    """Where the static dashboards are, or why they are missing or incomplete."""
    lines = ["", "Dashboards without Metabase (static HTML, work offline):"]
    if site.pages:
        lines.append(
            f"  open {site.index} · {len(site.pages)} pages for {len(site.tenants)} tenants "
            f"in {site.seconds:.1f} s"
        )
        lines += tenant_folder_lines(site)
    lines += [f"  failed: {failure}" for failure in site.failures]
    return lines


def render_summary(
    run: PlatformRun,
    settings: Settings,
    tenants: list[Tenant],
    site: RenderedSite | None = None,
) -> str:
    warehouse = Warehouse(settings)
    if run.success:
        lines = [f"Cerebro platform run succeeded in {run.seconds:.1f} s"]
    elif run.interrupted and not run.error:
        lines = [f"Cerebro platform run stopped after {run.seconds:.1f} s"]
    else:
        lines = [f"Cerebro platform run FAILED in {run.seconds:.1f} s"]
    if run.first_day is not None:
        days = (
            str(run.first_day)
            if run.first_day == run.last_day
            else f"{run.first_day} to {run.last_day}"
        )
        lines.append(f"Partitions: {days} (each tenant's local days), every tenant")
    lines += ["", "Tenants:"]
    lines += [
        f"  {t.tenant_id:<16} {t.name} · {t.timezone} · {t.currency} · "
        f"sources: {', '.join(t.sources)}"
        for t in tenants
    ]
    landed = landed_rows_table(warehouse, tenants)
    lines += ["", "Rows in the raw tables (landed through Singer):"]
    if landed.empty:
        lines.append("  none yet")
    else:
        lines += ["  " + line for line in landed.to_string(index_names=False).splitlines()]
    kinds = _dbt_resource_types()
    # dagster-dbt keys are [schema, name]: the node is found by its name.
    built = [key for key in run.materialized if kinds.get(key.split("/")[-1]) == "model"]
    seeds = [key for key in run.materialized if kinds.get(key.split("/")[-1]) == "seed"]
    checks = run.checks_passed + len(run.checks_failed) + len(run.checks_warned)
    lines += [
        "",
        f"dbt: {len(built)} models and {len(seeds)} seeds built; "
        f"{run.checks_passed} of {checks} tests passed"
        + (f", {len(run.checks_warned)} with a warning" if run.checks_warned else ""),
    ]
    lines += [f"  failed: {name}" for name in run.checks_failed]
    lines += [f"  warning: {name}" for name in run.checks_warned]
    if run.success:
        lines += ["", "Headline KPIs, each tenant's last 30 days of data:"]
        for tenant in tenants:
            headlines = headline(
                tenant.tenant_id, tenant.currency, warehouse, country_code=tenant.country_code
            )
            lines += ["  " + line for line in headlines]
    if site is not None:
        lines += dashboards_lines(site)
    if run.error:
        lines += ["", "Error:", *("  " + line for line in run.error.splitlines())]
    if warehouse.kind == "duckdb":
        lines += ["", f"Warehouse: DuckDB file {settings.duckdb_path}"]
    elif warehouse.kind == "spark":
        lines += ["", f"Warehouse: Spark (tables in {settings.spark_home}), "
                      f"marts served from {settings.duckdb_path}"]  # fmt: skip
    else:
        lines += ["", f"Warehouse: {warehouse.location}"]
    ui = dagster_command(settings, run.dagster_home)
    lines += [f"Dagster UI: `{ui}`, then open http://localhost:3000 "
              f"(runs and logs are kept in {run.dagster_home})"]  # fmt: skip
    return "\n".join(lines)


def dagster_command(settings: Settings, dagster_home: Path | None = None) -> str:
    """The command that opens the Dagster UI over this run's history.

    The Makefile's ``dagster`` target reads ``DATA_DIR`` (by default ``data/`` of the
    checkout) and keeps Dagster's instance under it. A run whose ``DAGSTER_HOME`` lies
    elsewhere belongs to a deployed instance, such as the compose stack's, whose webserver
    serves the workspace file kept beside ``dagster.yaml``; `make` is not even in its image."""
    home = dagster_home or settings.dagster_home
    if home.resolve() != settings.dagster_home.resolve():
        workspace = home / "workspace.yaml"
        if workspace.exists():
            return f"dagster-webserver -w {shlex.quote(str(workspace))}"
        return f"DAGSTER_HOME={shlex.quote(str(home))} dagster dev"
    if settings.data_dir.resolve() == (PROJECT_ROOT / "data").resolve():
        return "make dagster"
    return f"make dagster DATA_DIR={shlex.quote(str(settings.data_dir))}"
