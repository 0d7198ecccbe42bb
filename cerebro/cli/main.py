"""The `cerebro` command line."""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from cerebro.actions.activation.errors import ActivationError
from cerebro.cli.activation import activate
from cerebro.cli.clv import clv
from cerebro.cli.dashboards import dashboards
from cerebro.cli.metabase import metabase
from cerebro.cli.mmm import mmm
from cerebro.cli.reports import report
from cerebro.cli.security import security
from cerebro.cli.spark import spark
from cerebro.disk_full import disk_full_message, disk_full_reported, silence_unraisable
from cerebro.interrupts import Interrupted, sigterm_as_ctrl_c
from cerebro.landing.taps import MissingSecretError, check_source_secrets
from cerebro.output_files import OutputPathError
from cerebro.progress import counted
from cerebro.settings import SettingsError, load_settings, settings_with
from cerebro.tenants import TenantConfigError, load_tenants
from cerebro.terminal import tolerate_narrow_terminals
from cerebro.warehouse import SparkBuildError, Warehouse, WarehouseError

#: Errors a user fixes (an environment variable, the tenants file, the warehouse's state or
#: reachability, Spark's installation or server, an activation's segment, destination or
#: secrets, an output path, a source's secret): whichever command meets one ends with its
#: one-line message.
USER_ERRORS = (
    SettingsError, TenantConfigError, WarehouseError, SparkBuildError, ActivationError,
    OutputPathError, MissingSecretError,
)  # fmt: skip


class _CerebroGroup(click.Group):
    """The one place where ``USER_ERRORS`` and a full disk become ``Error: …`` lines, for
    every command (those of the sub-groups too), instead of a try/except in each."""

    def invoke(self, ctx: click.Context):
        tolerate_narrow_terminals()  # a Latin-1 terminal gets "->" for "→", not a traceback
        try:
            with sigterm_as_ctrl_c():
                return super().invoke(ctx)
        except USER_ERRORS as error:
            raise click.ClickException(str(error)) from error
        except PermissionError as error:
            # A file or folder a check before the work did not foresee: one line naming it.
            raise click.ClickException(
                f"permission denied on {error.filename or 'a file'}: make it (and its folder) "
                "readable and writable for this user, or point Cerebro elsewhere"
            ) from error
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as error:
            # A full disk, met by whichever layer was writing (cerebro/disk_full.py).
            message = disk_full_message(error)
            if message is None:
                raise
            silence_unraisable()
            raise click.ClickException(message) from error


@click.group(cls=_CerebroGroup)
def main() -> None:
    """Cerebro: marketing data platform for e-commerce and services marketplaces."""


@main.command()
@click.option("--tenants-file", type=click.Path(path_type=Path), help="Tenants configuration file.")
@click.option(
    "--data-dir", type=click.Path(path_type=Path), help="Where the warehouse and state live."
)
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Last partition day (local to each tenant). Default: the latest day over everywhere.",
)
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Days ending on --date, in one run (a backfill: one dbt invocation).",
)
def run(tenants_file: Path | None, data_dir: Path | None, day, days: int) -> None:
    """Run the whole platform for every tenant: demo data, Singer landing, dbt (the run's days,
    incrementally), CLV and budget brains, dashboards; then print a summary."""
    from cerebro.serving.summary import render_summary
    from orchestration.platform import one_run_per_warehouse, run_platform

    settings = settings_with(tenants_file, data_dir)
    tenants = load_tenants(settings.tenants_file)
    check_source_secrets(tenants)  # in a second, not after the seeds and three retries
    settings.check_data_dir_writable()
    _check_reachable(tenants, settings)
    click.echo(
        f"Running the platform for {counted(len(tenants), 'tenant')} into {settings.warehouse}…"
    )
    with one_run_per_warehouse(settings, on_wait=click.echo):
        # A warehouse held by another program or out of reach fails now, not after dbt's parse.
        Warehouse(settings).check_available()
        with disk_full_reported(settings.data_dir):
            result = run_platform(settings, day=day.date() if day else None, days=days)
        site = None
        if result.success:
            from cerebro.serving.dashboards.static_site import render_after_run

            site = render_after_run(settings)  # the dashboards without Metabase
        click.echo(render_summary(result, settings, tenants, site=site))
    if result.interrupted:
        raise Interrupted()  # after the summary of what was done, as for any other stop
    if not result.success:
        sys.exit(1)


@main.command()
@click.option("--tenants-file", type=click.Path(path_type=Path), help="Tenants configuration file.")
@click.option(
    "--data-dir", type=click.Path(path_type=Path), help="Where the warehouse and state live."
)
@click.option("--tenant", "tenant_ids", multiple=True, help="Only this tenant (repeatable).")
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day to refresh (local to each tenant). Default: today in each tenant's timezone.",
)
def hourly(tenants_file: Path | None, data_dir: Path | None, tenant_ids, day) -> None:
    """Run the hourly job now: Shopify landed from its saved state and today's operational
    marts, one run per tenant (as the hourly schedule does); print each run's cost."""
    from orchestration.hourly import run_hourly
    from orchestration.platform import one_run_per_warehouse

    settings = settings_with(tenants_file, data_dir)
    settings.check_data_dir_writable()
    with one_run_per_warehouse(settings, on_wait=click.echo):
        Warehouse(settings).check_available()
        runs = run_hourly(
            settings, tenant_ids=list(tenant_ids) or None, day=day.date() if day else None
        )
    for run in runs:
        outcome = "ok" if run.success else f"FAILED: {run.error}"
        click.echo(
            f"{run.tenant_id} {run.day}: {run.seconds:.1f} s · {run.records_landed:,} records "
            f"landed · {run.dbt_rows:,} rows rewritten by dbt · {len(run.models_built)} models · "
            f"{outcome}"
        )
    if not all(run.success for run in runs):
        sys.exit(1)


def _check_reachable(tenants, settings) -> None:
    """Before any seed or model: every source that reaches a vendor answers its first records
    (in parallel, under a minute), else one line per source that does not and the run stops."""
    from cerebro.landing.check import check_sources

    reaching = [t for t in tenants if any(not s.is_demo for s in t.sources.values())]
    if not reaching:
        return  # the demo reaches nothing: no time spent
    checks = check_sources(reaching, settings.demo_dir, settings.state_dir)
    failed = [check for check in checks if not check.ok]
    for check in failed:
        click.echo(f"  {check.tenant_id}/{check.source}: {check.message}", err=True)
    if failed:
        raise click.ClickException(
            f"{counted(len(failed), 'source')} of {len(checks)} cannot be read (above): "
            "fix them, then run again (`cerebro check` tries them alone)"
        )


@main.command()
@click.option("--tenants-file", type=click.Path(path_type=Path), help="Tenants configuration file.")
@click.option("--tenant", "tenant_ids", multiple=True, help="Only this tenant (repeatable).")
def check(tenants_file: Path | None, tenant_ids) -> None:
    """Try every source of every tenant before a run: its secrets set, then one record of each
    stream read from the vendor (a minute at most); one line per source with what to do."""
    from cerebro.landing.check import check_sources

    settings = settings_with(tenants_file, None)
    tenants = load_tenants(settings.tenants_file)
    unknown = sorted(set(tenant_ids) - {t.tenant_id for t in tenants})
    if unknown:
        known = ", ".join(t.tenant_id for t in tenants)
        raise click.ClickException(f"unknown tenant {', '.join(unknown)}; tenants are {known}")
    chosen = [t for t in tenants if not tenant_ids or t.tenant_id in tenant_ids]
    checks = check_sources(chosen, settings.demo_dir, settings.state_dir)
    width = max((len(f"{c.tenant_id}/{c.source}") for c in checks), default=0)
    for c in checks:
        outcome = "ok" if c.ok else "FAILED"
        click.echo(f"{c.tenant_id}/{c.source}".ljust(width + 2) + f"{outcome} · {c.message}"
                   f" ({c.seconds:.1f} s)")  # fmt: skip
    failed = sum(not c.ok for c in checks)
    if failed:
        raise click.ClickException(f"{counted(failed, 'source')} of {len(checks)} cannot be read")


@main.group(invoke_without_command=True)
@click.option("--tenants-file", type=click.Path(path_type=Path), help="Tenants configuration file.")
@click.pass_context
def tenants(ctx: click.Context, tenants_file: Path | None) -> None:
    """List the configured tenants and their sources (`cerebro tenants add` adds one)."""
    ctx.obj = settings_with(tenants_file, None)
    if ctx.invoked_subcommand is not None:
        return
    for tenant in load_tenants(ctx.obj.tenants_file):
        sources = ", ".join(f"{name} ({s.tap})" for name, s in tenant.sources.items())
        place = f"{tenant.timezone} · {tenant.currency}"
        click.echo(f"{tenant.tenant_id}: {tenant.name} · {place} · {sources}")


def _interactive() -> bool:
    return sys.stdin.isatty()


def _asked(value: str | None, flag: str, question: str) -> str:
    """A flag's value, asked for in a terminal when it was left out; elsewhere (a script, CI)
    its absence is an error naming the flag."""
    if value is not None:
        return value
    if not _interactive():
        raise click.UsageError(f"missing {flag} (or run the command in a terminal to be asked)")
    return click.prompt(question)


@tenants.command("add")
@click.argument("tenant_id")
@click.option("--name", help="The store's name, as the pages show it.")
@click.option("--country", "country_code", help="ISO 3166 country code (CL, PE, …).")
@click.option("--timezone", help="IANA time zone: days and periods are this zone's local dates.")
@click.option("--currency", help="ISO 4217 currency code (CLP, PEN, …).")
@click.option(
    "--source",
    "sources",
    multiple=True,
    required=True,
    help="A source to land, by its tap's name (shopify, meta_ads, …); repeatable.",
)
@click.option(
    "--set",
    "values",
    multiple=True,
    metavar="SOURCE.SETTING=VALUE",
    help="A source's setting, e.g. shopify.shop=mitienda or "
    "meta_ads.account_ids=[act_1029384756] (a YAML value); repeatable.",
)
@click.option("--dry-run", is_flag=True, help="Print the entry; write nothing.")
@click.pass_obj
def tenants_add(settings, tenant_id: str, name: str, country_code: str, timezone: str,
                currency: str, sources, values, dry_run: bool) -> None:  # fmt: skip
    """Add a store to the tenants file from flags (or prompts in a terminal): the entry is
    checked as the file is, written only whole, and the secrets to set are named."""
    from cerebro.landing.new_tenant import (
        NewTenant,
        add_tenant,
        entry_text,
        setting_value,
        what_sources_need,
    )

    name, country_code, timezone, currency = (
        _asked(value, flag, question)
        for value, flag, question in (
            (name, "--name", "Store name"),
            (country_code, "--country", "Country (ISO 3166, e.g. CL)"),
            (timezone, "--timezone", "Time zone (e.g. America/Santiago)"),
            (currency, "--currency", "Currency (ISO 4217, e.g. CLP)"),
        )
    )
    given: dict[str, dict[str, object]] = {source: {} for source in sources}
    for value in values:
        key, equals, text = value.partition("=")
        source, dot, setting = key.partition(".")
        if not (equals and dot and setting) or source not in given:
            raise click.BadParameter(
                f"{value!r}: write SOURCE.SETTING=VALUE with a SOURCE given by --source",
                param_hint="--set",
            )
        given[source][setting] = setting_value(text)
    new = NewTenant(tenant_id, name, timezone, currency, country_code.upper(), given)
    if dry_run:
        click.echo(entry_text(new, what_sources_need(new)), nl=False)
        return
    added = add_tenant(settings.tenants_file, new)
    click.echo(f"Added {added.tenant_id} ({added.name}) to {settings.tenants_file}.")
    variables = [(source.source, setting, variable)
                 for source in added.sources.values()
                 for setting, variable in source.secrets.items()]  # fmt: skip
    if variables:
        click.echo("Set these secrets (export them, or put them in tenant-secrets.env):")
        for source, setting, variable in variables:
            click.echo(f"  {variable}  ({source} {setting})")
    click.echo(f"Then try each source: cerebro check --tenant {added.tenant_id}")


@dataclass(frozen=True)
class _TenantData:
    """A tenant known to the warehouse, and the local days its orders span (None: no orders)."""

    tenant_id: str
    warehouse: Warehouse
    currency: str
    first_day: dt.date | None
    last_day: dt.date | None


def _tenant_data(tenant_id: str) -> _TenantData:
    """Check the marts are built and the tenant is in them (naming the known tenants) before
    anything else, with the checks every KPI function makes; then read its days of data."""
    from cerebro.serving.kpis.period import kpi_request

    today = dt.date.today()
    with kpi_request(tenant_id, today, today, Warehouse(load_settings())) as request:
        days = request.query(
            "select min(created_date) as first_day, max(created_date) as last_day "
            "from marts.mart_orders_daily where tenant_id = %(tenant_id)s"
        ).iloc[0]
        currency = request.query(
            "select currency from marts.dim_tenants where tenant_id = %(tenant_id)s"
        )["currency"].iloc[0]
    return _TenantData(
        tenant_id, request.warehouse, currency, _day(days["first_day"]), _day(days["last_day"])
    )


def _day(value) -> dt.date | None:
    import pandas as pd

    return None if pd.isna(value) else dt.date.fromisoformat(str(value)[:10])


def _period(tenant: _TenantData, date_from, date_to) -> tuple[dt.date, dt.date]:
    """The requested period; by default the 30 days ending on the tenant's last day of data."""
    from cerebro.serving.kpis.period import InvalidPeriodError

    start = date_from.date() if date_from else None
    end = date_to.date() if date_to else tenant.last_day or dt.date.today()
    # Both days given the wrong way round: the KPI functions' own check says to swap them.
    if start is not None and start > end and not date_to:
        last = (
            f"{tenant.tenant_id}'s last day with data ({end}, the default --to)"
            if tenant.last_day
            else f"today ({end}, the default --to: {tenant.tenant_id} has no orders yet)"
        )
        raise InvalidPeriodError(
            f"--from {start} starts after {last}: choose an earlier --from, or give --to too"
        )
    return start or end - dt.timedelta(days=29), end


def _kpi_errors():
    from cerebro.serving.kpis.period import InvalidPeriodError, UnknownTenantError

    return (InvalidPeriodError, UnknownTenantError)


@main.command()
@click.argument(
    "page",
    type=click.Choice(
        [
            "acquisition",
            "engagement",
            "operations",
            "retention",
            "segmentation",
            "channels",
            "campaigns",
            "health",
            "margin",
            "identity",
        ]
    ),
)
@click.option("--tenant", "tenant_id", required=True, help="Tenant id, e.g. casafacil_cl.")
@click.option(
    "--from",
    "date_from",
    type=click.DateTime(["%Y-%m-%d"]),
    help="First local day (default: 30 days before --to).",
)
@click.option(
    "--to",
    "date_to",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Last local day (default: the last day with orders).",
)
@click.option(
    "--format", "output", type=click.Choice(["table", "json"]), default="table", show_default=True
)
def kpis(page, tenant_id, date_from, date_to, output) -> None:
    """Print one KPI page (docs/kpis.md) for a tenant and period."""
    import json

    from cerebro.serving.kpis.report import PAGES, data_coverage_warning, render_page

    try:
        tenant = _tenant_data(tenant_id)
        start, end = _period(tenant, date_from, date_to)
        result = PAGES[page](tenant_id, start, end, warehouse=tenant.warehouse)
    except _kpi_errors() as error:
        raise click.ClickException(str(error)) from error
    # Zeros for days the data do not reach are not "no sales": said as the report says it.
    if coverage := data_coverage_warning(tenant_id, tenant.last_day, end):
        click.echo(f"Warning: {coverage}", err=True)
    if output == "json":
        customers = result.pop("customers", None)
        if customers is not None:
            result["customers_count"] = len(customers)
        click.echo(
            json.dumps(
                {"tenant_id": tenant_id, "date_from": str(start), "date_to": str(end), **result},
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        click.echo(f"{tenant_id} · {start} → {end}\n")
        click.echo(render_page(page, result, tenant.currency))


@main.command("customer")
@click.argument("customer")
@click.option("--tenant", "tenant_id", required=True, help="Tenant id, e.g. casafacil_cl.")
@click.option(
    "--format", "output", type=click.Choice(["table", "json"]), default="table", show_default=True
)
def customer_page(customer, tenant_id, output) -> None:
    """Print one customer's page (Ficha de cliente), found by id or e-mail: the model's
    predictions, every order and activation, P(alive) over time and the weekly health."""
    import json

    from cerebro.serving.kpis.customer_life_line import UnknownCustomerError, get_customer_life_line
    from cerebro.serving.kpis.report import render_kpis

    try:
        tenant = _tenant_data(tenant_id)
        page = get_customer_life_line(tenant_id, customer, warehouse=tenant.warehouse)
    except (*_kpi_errors(), UnknownCustomerError) as error:
        raise click.ClickException(str(error)) from error
    if output == "json":
        click.echo(json.dumps({"tenant_id": tenant_id, **page}, ensure_ascii=False, indent=2))
    else:
        click.echo(render_kpis(f"Ficha de cliente {page['customer_id']}", page, tenant.currency))


@main.group()
def segment() -> None:
    """Segments (RFM, and the customer-value model's churn risk): lists for campaigns."""


@segment.command("export")
@click.option("--tenant", "tenant_id", required=True, help="Tenant id, e.g. casafacil_cl.")
@click.option(
    "--segment",
    "segment_name",
    required=True,
    help='RFM segment (e.g. "Frecuentes alejados") or churn-risk segment of the customer-value '
    'model (e.g. "CLIENTE PERDIDO").',
)
@click.option(
    "--out", "out_path", required=True, type=click.Path(path_type=Path), help="CSV file to write."
)
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(["%Y-%m-%d"]),
    help="RFM as of this day (default: the last day with orders). A churn-risk segment is as of "
    "the customer-value model's cut-off.",
)
@click.option(
    "--include-unconsented",
    is_flag=True,
    help="Also export customers without marketing consent, and every contact as it is "
    "(default: only customers with e-mail or SMS consent, each contact only with its "
    "channel's consent).",
)
def segment_export(tenant_id, segment_name, out_path, as_of, include_unconsented) -> None:
    """Write one segment's customers as CSV: an RFM segment (id, e-mail, phone, RFM values,
    segment, consents) or a churn-risk segment (contacts and the model's figures, most
    recoverable value first). By default only customers with marketing consent (Chile's
    data-protection law)."""
    from cerebro.actions.activation.members import with_consents
    from cerebro.output_files import check_output_file, write_csv
    from cerebro.segment_names import retired_segment_message
    from cerebro.serving.kpis.segmentation import get_rfm_segmentation
    from ml_assets.clv.segments import SEGMENTS as CHURN_RISK_SEGMENTS

    settings = load_settings()
    check_output_file(
        out_path, option="--out", inputs=[settings.duckdb_path, settings.tenants_file]
    )
    if segment_name in CHURN_RISK_SEGMENTS:
        _export_churn_risk(tenant_id, segment_name, out_path, as_of, include_unconsented)
        return
    try:
        tenant = _tenant_data(tenant_id)
        start, end = _period(tenant, None, as_of)
        customers = get_rfm_segmentation(tenant_id, start, end, warehouse=tenant.warehouse)[
            "customers"
        ]
    except _kpi_errors() as error:
        raise click.ClickException(str(error)) from error
    if customers.empty:
        # No segment exists before the first order: say that, not "unknown segment".
        since = (
            f"its first day with orders is {tenant.first_day}: give an --as-of on or after it"
            if tenant.first_day
            else "it has no orders yet"
        )
        raise click.ClickException(
            f"{tenant_id} has no customers with orders on or before {end}; {since}"
        )
    known = sorted(set(customers["segment"]))
    if segment_name not in known and (retired := retired_segment_message(segment_name)):
        raise click.ClickException(retired)
    if segment_name not in known:
        raise click.ClickException(
            f"unknown segment {segment_name!r}; segments as of {end}: {', '.join(known)}; "
            f"churn-risk segments: {', '.join(CHURN_RISK_SEGMENTS)}"
        )
    chosen = customers[customers["segment"] == segment_name].sort_values(
        ["monetary", "customer_id"], ascending=[False, True]
    )
    chosen, left_out = with_consents(
        tenant.warehouse, tenant_id, chosen, include_unconsented=include_unconsented
    )
    write_csv(chosen, out_path)
    click.echo(
        f"{len(chosen)} customers of segment {segment_name!r} (as of {end}) written to {out_path}"
    )
    _echo_left_out(left_out)


def _echo_left_out(left_out: int) -> None:
    if left_out:
        click.echo(
            f"{left_out} left out without e-mail or SMS marketing consent, and contacts "
            "without their channel's consent blanked (--include-unconsented keeps them)"
        )


def _export_churn_risk(tenant_id, segment_name, out_path, as_of, include_unconsented) -> None:
    """`cerebro segment export` for a churn-risk segment (see ``segment_export``)."""
    from cerebro.actions.activation.members import with_consents
    from cerebro.output_files import write_csv
    from cerebro.serving.kpis.churn_risk import churn_risk_customers

    if as_of is not None:
        raise click.ClickException(
            f"--as-of is for RFM segments; {segment_name!r} is as of the customer-value model's "
            "cut-off: leave --as-of out"
        )
    try:
        tenant = _tenant_data(tenant_id)
        chosen = churn_risk_customers(tenant_id, segment_name, warehouse=tenant.warehouse)
    except _kpi_errors() as error:
        raise click.ClickException(str(error)) from error
    chosen, left_out = with_consents(
        tenant.warehouse, tenant_id, chosen, include_unconsented=include_unconsented
    )
    write_csv(chosen, out_path)
    cutoff = chosen["cutoff_date"].iloc[0] if len(chosen) else None
    click.echo(
        f"{len(chosen)} customers of segment {segment_name!r} (model cut-off "
        f"{str(cutoff)[:10] if cutoff is not None else 'none'}) written to {out_path}"
    )
    _echo_left_out(left_out)


main.add_command(activate)
main.add_command(clv)
main.add_command(dashboards)
main.add_command(metabase)
main.add_command(mmm)
main.add_command(security)
main.add_command(spark)
main.add_command(report)
