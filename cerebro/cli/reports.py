"""`cerebro report …`: one tenant's daily, weekly or monthly summary, to a file or by e-mail."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from cerebro.actions.reports.periods import CADENCES


def _report_date(tenant_id: str, warehouse, chosen: dt.datetime | None) -> dt.date:
    """The chosen day, else the tenant's last day with data (as `cerebro kpis` does); an
    unknown tenant raises ValueError naming the known ones."""
    from cerebro.serving.dashboards.static_site import site_tenants

    (tenant,) = site_tenants(warehouse, [tenant_id])
    if chosen is not None:
        return chosen.date()
    if tenant.last_data_date is None:
        raise click.ClickException(f"{tenant_id} has no orders in the warehouse; pass --date")
    return tenant.last_data_date


@click.command("report")
@click.option("--tenant", "tenant_id", required=True, help="Tenant id, e.g. casafacil_cl.")
@click.option(
    "--cadence", type=click.Choice(CADENCES), required=True, help="Which summary to build."
)
@click.option(
    "--date",
    "chosen_date",
    type=click.DateTime(["%Y-%m-%d"]),
    help="A local day that is over: the report covers the last complete day / ISO week / "
    "calendar month by its end. Default: the tenant's last day with data.",
)
@click.option(
    "--out",
    "out_path",
    type=click.Path(path_type=Path),
    help="HTML file to write; the text part goes beside it as .txt. "
    "Default: <data dir>/reports/<tenant>/<cadence>_<period start>.html.",
)
@click.option(
    "--send",
    is_flag=True,
    help="E-mail it to the recipients of the reports file (CEREBRO_REPORTS_FILE), once per "
    "period: a period already in ops.report_log is skipped.",
)
@click.option(
    "--to",
    "to",
    multiple=True,
    help="E-mail it to this address instead (repeatable): a preview, never skipped and not "
    "recorded in ops.report_log.",
)
@click.option(
    "--specs",
    "specs_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Directory of dashboard specs (default: metabase/dashboards).",
)
def report(tenant_id, cadence, chosen_date, out_path, send, to, specs_dir) -> None:
    """Build a tenant's summary of every dashboard's headline KPIs for a period, with the
    change from the period before; write it (HTML and text) and optionally e-mail it."""
    from cerebro.actions.reports.config import reports_file
    from cerebro.actions.reports.delivery import report_path, reports_dir, text_path, write_report
    from cerebro.actions.reports.headlines import build_report
    from cerebro.actions.reports.render import render_report
    from cerebro.output_files import check_writable_folder
    from cerebro.serving.dashboards.spec import SPECS_DIR, DashboardSpecError, load_dashboards
    from cerebro.settings import load_settings
    from cerebro.warehouse import Warehouse, WarehouseNotBuiltError

    settings = load_settings()
    # Sending needs working SMTP settings: a wrong one is said before the report is built.
    smtp = _smtp() if send or to else None
    config = _reports_config() if send and not to else None  # and a reports file it can read
    specs = specs_dir or SPECS_DIR
    inputs = [settings.duckdb_path, settings.tenants_file, reports_file(), *specs.glob("*.yml")]
    if out_path is not None:
        _check_outputs(out_path, inputs)  # before the work; the default path after it
    check_writable_folder(
        out_path.parent if out_path is not None else reports_dir(settings),
        what="the reports folder",
        fix="make it writable for this user, or give --out in a folder you may write in",
    )
    warehouse = Warehouse(settings)
    try:
        day = _report_date(tenant_id, warehouse, chosen_date)
        built = build_report(warehouse, tenant_id, cadence, day, dashboards=load_dashboards(specs))
    except (DashboardSpecError, WarehouseNotBuiltError, ValueError) as error:
        raise click.ClickException(str(error)) from error
    path = out_path or report_path(reports_dir(settings), built)
    _check_outputs(path, inputs)
    rendered = render_report(built)
    write_report(rendered, path)
    click.echo(f"{rendered.subject}\nwritten to {path} (text: {text_path(path)})")
    if smtp is not None:
        _send(smtp, config, warehouse, built, rendered, tuple(to))
    if built.failures:
        click.echo(f"{len(built.failures)} cards failed:", err=True)
        for failure in built.failures:
            click.echo(f"  {failure}", err=True)
        raise SystemExit(1)


def _check_outputs(path: Path, inputs: list[Path]) -> None:
    """Refuse a report path that is a folder or an input, or whose text part is either."""
    from cerebro.actions.reports.delivery import text_path
    from cerebro.output_files import check_distinct_outputs, check_output_file

    check_output_file(path, option="--out", inputs=inputs)
    check_output_file(text_path(path), option="--out's text part", inputs=inputs)
    check_distinct_outputs({"--out": path, "its text part": text_path(path)})


def _smtp():
    from cerebro.actions.notify import smtp_settings_from_env

    smtp = smtp_settings_from_env()
    if smtp is None:
        raise click.ClickException("set CEREBRO_SMTP_HOST (and CEREBRO_SMTP_*) to send e-mail")
    return smtp


def _reports_config():
    from cerebro.actions.reports.config import ReportConfigError, load_reports_config

    try:
        return load_reports_config()
    except ReportConfigError as error:
        raise click.ClickException(str(error)) from error


def _send(smtp, config, warehouse, built, rendered, preview_to: tuple[str, ...]) -> None:
    """E-mail the report: to ``preview_to`` when given, else to ``config``'s recipients."""
    from cerebro.actions.notify import NotifyError, send_email
    from cerebro.actions.reports.delivery import send_once

    period = built.period
    try:
        if preview_to:
            send_email(smtp, to=list(preview_to), subject=rendered.subject, text=rendered.text,
                       html=rendered.html)  # fmt: skip
            click.echo(f"sent to {len(preview_to)} addresses (a preview: not recorded)")
            return
        recipients = config.recipients(built.tenant.tenant_id, period.cadence)
        if not recipients:
            raise click.ClickException(
                f"{config.path} lists no {period.cadence} recipients for "
                f"{built.tenant.tenant_id}; add them or use --to"
            )
        if send_once(warehouse, built, rendered, recipients, smtp):
            click.echo(f"sent to {len(recipients)} recipients")
        else:
            click.echo(
                f"not sent: the {period.cadence} report of {period.start} was already sent "
                "(ops.report_log)"
            )
    except NotifyError as error:
        raise click.ClickException(str(error)) from error
