"""The `cerebro` command line."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from cerebro.settings import load_settings
from cerebro.tenants import TenantConfigError, load_tenants


def _settings(tenants_file: Path | None, data_dir: Path | None):
    environ = dict(os.environ)
    if tenants_file:
        environ["CEREBRO_TENANTS_FILE"] = str(tenants_file)
    if data_dir:
        environ["CEREBRO_DATA_DIR"] = str(data_dir)
        environ.pop("CEREBRO_DUCKDB_PATH", None)
    return load_settings(environ)


@click.group()
def main() -> None:
    """Cerebro: marketing data platform for e-commerce and services marketplaces."""


@main.command()
@click.option("--tenants-file", type=click.Path(path_type=Path), help="Tenants configuration file.")
@click.option(
    "--data-dir", type=click.Path(path_type=Path), help="Where the warehouse and state live."
)
def run(tenants_file: Path | None, data_dir: Path | None) -> None:
    """Run the whole platform: demo data, Singer landing, dbt build; then print a summary."""
    from cerebro.platform import run_platform
    from cerebro.summary import render_summary

    settings = _settings(tenants_file, data_dir)
    try:
        tenants = load_tenants(settings.tenants_file)
    except TenantConfigError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Running the platform for {len(tenants)} tenants into {settings.warehouse}…")
    result = run_platform(settings)
    click.echo(render_summary(result, settings, tenants))
    if not result.success:
        sys.exit(1)


@main.command()
@click.option("--tenants-file", type=click.Path(path_type=Path), help="Tenants configuration file.")
def tenants(tenants_file: Path | None) -> None:
    """List the configured tenants and their sources."""
    settings = _settings(tenants_file, None)
    try:
        for tenant in load_tenants(settings.tenants_file):
            sources = ", ".join(f"{name} ({s.tap})" for name, s in tenant.sources.items())
            place = f"{tenant.timezone} · {tenant.currency}"
            click.echo(f"{tenant.tenant_id}: {tenant.name} · {place} · {sources}")
    except TenantConfigError as error:
        raise click.ClickException(str(error)) from error
