"""`cerebro dashboards …`: the dashboard specs rendered without Metabase."""

from __future__ import annotations

from pathlib import Path

import click


@click.group()
def dashboards() -> None:
    """The dashboards as static HTML pages (no Metabase, no network needed to view them)."""


@dashboards.command("render")
@click.option(
    "--tenant",
    "tenant_ids",
    multiple=True,
    help="Tenant id (repeatable; default: every tenant in the warehouse).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to write the site to (default: <data dir>/dashboards).",
)
@click.option(
    "--specs",
    "specs_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Directory of dashboard specs (default: metabase/dashboards).",
)
def render(tenant_ids: tuple[str, ...], out_dir: Path | None, specs_dir: Path | None) -> None:
    """Run every card of every dashboard spec and write the pages, one folder per tenant."""
    from cerebro.output_files import check_writable_folder
    from cerebro.serving.dashboards.spec import SPECS_DIR, DashboardSpecError, load_dashboards
    from cerebro.serving.dashboards.static_site import (
        contact_data_tenants,
        render_site,
        site_dir,
        tenant_folder_lines,
    )
    from cerebro.settings import load_settings
    from cerebro.tenants import load_tenants
    from cerebro.warehouse import Warehouse, WarehouseNotBuiltError

    settings = load_settings()
    out_dir = out_dir or site_dir(settings)
    # A folder it cannot write in is said now, not as a traceback after every card ran.
    check_writable_folder(
        out_dir, what="the dashboards folder", fix="make it writable for this user, or "
        "give --out in a folder you may write in"
    )  # fmt: skip
    try:
        # The tenants file says whose pages may show customers' contact data (off by default).
        contact_data = contact_data_tenants(load_tenants(settings.tenants_file))
        specs = load_dashboards(specs_dir or SPECS_DIR)
        site = render_site(
            Warehouse(settings),
            out_dir,
            dashboards=specs,
            tenant_ids=list(tenant_ids) or None,
            contact_data=contact_data,
        )
    except (DashboardSpecError, WarehouseNotBuiltError, ValueError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"{len(site.pages)} pages ({len(specs)} dashboards for {len(site.tenants)} tenants) and "
        f"{len(site.csv_files)} CSV files in {site.seconds:.1f} s: open {site.index}"
    )
    for line in tenant_folder_lines(site):
        click.echo(line)
    if site.failures:
        click.echo(f"{len(site.failures)} cards failed:", err=True)
        for failure in site.failures:
            click.echo(f"  {failure}", err=True)
        raise SystemExit(1)
