"""``cerebro metabase plan | apply | check``: the dashboard specs in Metabase.

Settings come from the environment (docs/metabase.md); no secret is ever printed.
"""

from __future__ import annotations

from pathlib import Path

import click


def _settings():
    from cerebro.serving.metabase.settings import MetabaseSettingsError, load_metabase_settings

    try:
        settings = load_metabase_settings()
    except MetabaseSettingsError as error:
        raise click.ClickException(str(error)) from error
    if settings is None:
        raise click.ClickException("METABASE_URL is not set (e.g. http://localhost:3000)")
    return settings


def _dashboards(specs_dir: Path | None):
    from cerebro.serving.dashboards.spec import SPECS_DIR, DashboardSpecError, load_dashboards

    try:
        return load_dashboards(specs_dir or SPECS_DIR)
    except DashboardSpecError as error:
        raise click.ClickException(str(error)) from error


def _tenants():
    from cerebro.settings import load_settings
    from cerebro.tenants import TenantConfigError, load_tenants

    settings = load_settings()
    try:
        return settings, load_tenants(settings.tenants_file)
    except TenantConfigError as error:
        raise click.ClickException(str(error)) from error


def _access():
    from cerebro.serving.dashboards.spec import DashboardSpecError
    from cerebro.serving.metabase.access import AccessError, load_access
    from cerebro.serving.metabase.provision import load_portfolio

    try:
        return load_access(), load_portfolio()
    except (AccessError, DashboardSpecError) as error:
        raise click.ClickException(str(error)) from error


def _context(dashboards):
    """Tenants from the tenants file; dates and choices from Cerebro's warehouse."""
    from cerebro.serving.metabase.context import read_context
    from cerebro.warehouse import Warehouse

    settings, tenants = _tenants()
    warehouse = Warehouse(settings)
    try:
        return read_context(dashboards, tenants, warehouse)
    except Exception as error:  # any driver's connection error: say which warehouse
        raise click.ClickException(
            f"cannot read Cerebro's warehouse at {warehouse.location}: {error}"
        ) from error


def _wait(settings, seconds: float) -> None:
    from cerebro.serving.metabase.client import MetabaseClient

    if seconds > 0:
        click.echo(f"Waiting up to {seconds:.0f} s for Metabase at {settings.url}…")
        MetabaseClient(settings.url).wait_until_healthy(seconds)


_SPECS = click.option(
    "--specs-dir",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="Dashboard specs (default: metabase/dashboards).",
)
_WAIT = click.option(
    "--wait",
    "wait_seconds",
    type=float,
    default=0,
    show_default=True,
    help="Seconds to wait for Metabase's /api/health first (e.g. while it starts).",
)


def _provision(specs_dir: Path | None, wait_seconds: float, *, dry_run: bool) -> None:
    from cerebro.serving.metabase.client import MetabaseError
    from cerebro.serving.metabase.provision import provision

    settings = _settings()
    dashboards = _dashboards(specs_dir)
    access, portfolio = _access()
    context = _context(dashboards)
    try:
        _wait(settings, wait_seconds)
        result = provision(
            settings, dashboards, context, dry_run=dry_run, access=access, portfolio=portfolio
        )
    except (MetabaseError, ValueError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(result.render(settings))


def _offline_plan(specs_dir: Path | None) -> None:
    from cerebro.serving.metabase.context import offline_context
    from cerebro.serving.metabase.layout import desired_state
    from cerebro.serving.metabase.offline import render_offline
    from cerebro.serving.metabase.settings import MetabaseSettingsError, offline_settings

    dashboards = _dashboards(specs_dir)
    access, portfolio = _access()
    _, tenants = _tenants()
    try:
        settings = offline_settings()
        context = offline_context(dashboards, tenants)
        desired = desired_state(dashboards, context, access, portfolio)
    except (MetabaseSettingsError, ValueError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(render_offline(dashboards, portfolio, context, access, desired, settings))


@click.group()
def metabase() -> None:
    """Metabase dashboards as code (specs in metabase/dashboards)."""


@metabase.command()
@_SPECS
@_WAIT
@click.option(
    "--offline",
    is_flag=True,
    help="Print the desired state per tenant from the tenants file and the specs alone, "
    "without Metabase or the warehouse.",
)
def plan(specs_dir: Path | None, wait_seconds: float, offline: bool) -> None:
    """Show what `apply` would create, update and archive (changes nothing)."""
    if offline:
        _offline_plan(specs_dir)
    else:
        _provision(specs_dir, wait_seconds, dry_run=True)


@metabase.command()
@_SPECS
@_WAIT
def apply(specs_dir: Path | None, wait_seconds: float) -> None:
    """Make Metabase match the specs: first-user setup if needed, the warehouse database,
    collections, cards and dashboards (updated in place; removed cards are archived)."""
    _provision(specs_dir, wait_seconds, dry_run=False)


@metabase.command()
@_SPECS
@_WAIT
def check(specs_dir: Path | None, wait_seconds: float) -> None:
    """Run every card's query through Metabase; exit 1 if any fails."""
    from cerebro.serving.metabase.client import MetabaseError
    from cerebro.serving.metabase.provision import run_cards

    settings = _settings()
    dashboards = _dashboards(specs_dir)
    _, portfolio = _access()
    tenant_ids = [t.tenant_id for t in _tenants()[1]]
    try:
        _wait(settings, wait_seconds)
        runs, calls = run_cards(settings, dashboards, tenant_ids, portfolio)
    except MetabaseError as error:
        raise click.ClickException(str(error)) from error
    for run in runs:
        status = f"ok ({run.rows} rows)" if run.error is None else f"FAILED: {run.error}"
        click.echo(f"  {run.key}: {status}")
    failed = [run.key for run in runs if run.error is not None]
    click.echo(f"{len(runs) - len(failed)} of {len(runs)} cards ran; API calls: {calls}")
    if failed:
        raise click.ClickException(f"{len(failed)} cards failed: {', '.join(failed)}")
