"""`cerebro clv`: customer-value predictions (BG/NBD or MBG/NBD, chosen by backtest, +
Gamma-Gamma) for any transaction CSV."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import click

from cerebro.csv_input.options import input_options


def _horizons(_context, _parameter, value: str) -> tuple[int, ...]:
    try:
        days = tuple(int(part) for part in value.split(",") if part.strip())
    except ValueError:
        raise click.BadParameter(f"expected days separated by commas, got {value!r}") from None
    if not days or any(d <= 0 for d in days):
        raise click.BadParameter(f"expected positive numbers of days, got {value!r}")
    return days


def _check_outputs(transactions: Path, *outputs: Path | None) -> None:
    """Refuse, before reading anything, outputs that are folders, the input, or each other."""
    from cerebro.output_files import check_distinct_outputs, check_output_file

    named = dict(zip(("--out", "--params-out", "--quarantine"), outputs, strict=True))
    for option, path in named.items():
        if path is not None:
            check_output_file(path, option=option, inputs=[transactions])
    check_distinct_outputs(named)


@click.command("clv")
@click.option(
    "--transactions",
    "transactions_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV file with one row per order (or per transaction), with a header line.",
)
@click.option("--customer-column", required=True, help="Column with the customer id.")
@click.option(
    "--date-column",
    required=True,
    help="Column with the order date (ISO or day-first: 05/03/2024 is 5 March) or timestamp; "
    "the day is taken as written unless --timezone is given.",
)
@click.option("--amount-column", required=True, help="Column with the amount (net of refunds).")
@click.option(
    "--cutoff",
    required=True,
    type=click.DateTime(["%Y-%m-%d"]),
    help="Last day of the fitting data; T is measured to it (YYYY-MM-DD).",
)
@click.option(
    "--horizons",
    default="30,90",
    show_default=True,
    callback=_horizons,
    help="Days ahead for expected_purchases_<H>d (30 and 90 are always written).",
)
@click.option(
    "--purchase-model",
    type=click.Choice(["auto", "bgnbd", "mbgnbd"]),
    default="auto",
    show_default=True,
    help="How often customers buy and when they leave: auto backtests BG/NBD and MBG/NBD on "
    "the last 90 days before --cutoff and keeps the better (BG/NBD on a tie); bgnbd or mbgnbd "
    "forces one (MBG/NBD lets a one-time buyer leave, BG/NBD does not).",
)
@click.option(
    "--penalizer", default=0.0, show_default=True, type=click.FloatRange(min=0), help="L2 penalty."
)
@click.option(
    "--keep-outliers",
    is_flag=True,
    help="Fit the spend model (Gamma-Gamma) on every repeat transaction; by default those "
    "above the mean + 3 standard deviations are left out of that fit only (counted in a "
    "warning; they still count as purchases).",
)
@click.option(
    "--out", "out_path", required=True, type=click.Path(path_type=Path), help="Predictions CSV."
)
@click.option(
    "--params-out", type=click.Path(path_type=Path), help="Write the fitted parameters (JSON)."
)
@click.option(
    "--quarantine", type=click.Path(path_type=Path), help="Write the rejected rows (CSV) here."
)
@input_options
def clv(
    transactions_path: Path,
    customer_column: str,
    date_column: str,
    amount_column: str,
    cutoff,
    horizons: tuple[int, ...],
    purchase_model: str,
    penalizer: float,
    keep_outliers: bool,
    out_path: Path,
    params_out: Path | None,
    quarantine: Path | None,
    encoding: str,
    delimiter: str,
    decimal_separator: str,
    timezone: str | None,
) -> None:
    """Predict each customer's purchases, probability of being alive and 12-month value.

    Same-day orders of a customer are one transaction; rows after --cutoff are not used.
    Rows with an empty customer id, an unreadable date or a missing, non-numeric or negative
    amount, or one beyond 1e15 (no purchase comes near: a typo), are rejected and reported
    (and written to --quarantine, with their line in the file); no other row is dropped.
    Customer ids in Excel's scientific notation (6,10001E+12) are refused: their digits are
    lost. Amounts may use dot thousands and a decimal comma
    (1.234.567,5) or a decimal point, decided per column (see --decimal-separator).
    Rows repeated exactly are kept (two equal orders on a day are possible) and counted in a
    warning. Repeat transactions above the mean + 3 standard deviations still count as
    purchases but are left out of the spend (Gamma-Gamma) fit, with a warning, unless
    --keep-outliers. A --cutoff after today is refused: T would be counted to a day to come.
    The purchase model used and why is printed with the parameters.
    """
    from ml_assets.clv.data_checks import cutoff_after_today_error

    future = cutoff_after_today_error(cutoff.date(), dt.date.today())
    if future:
        raise click.ClickException(future)
    _check_outputs(transactions_path, out_path, params_out, quarantine)

    import pandas as pd

    from cerebro.csv_input.columns import check_identifiers, parse_days, parse_numbers
    from cerebro.csv_input.table import read_table
    from cerebro.output_files import atomic_outputs, write_csv
    from ml_assets.clv.data_checks import duplicate_rows_warning
    from ml_assets.clv.fitting import ConvergenceError
    from ml_assets.clv.persistence import write_parameters
    from ml_assets.clv.predict import predict_customer_value
    from ml_assets.clv.settings import ClvSettings
    from ml_assets.clv.transactions import CUSTOMER, DATE
    from ml_assets.clv.validation import FIRST_DATA_LINE, check_transaction_rows

    try:
        table = read_table(transactions_path, encoding=encoding, delimiter=delimiter)
        table.require([customer_column, date_column, amount_column])
        check_identifiers(table, customer_column)
        days = parse_days(table, date_column, timezone=timezone)
        amounts = parse_numbers(
            table, amount_column, decimal_separator=decimal_separator, noun="amount"
        )
        rows = check_transaction_rows(
            table.frame, customer_column=customer_column, days=days.values,
            amounts=amounts.values, unread=[table.problems, days.problems, amounts.problems],
            lines=table.lines,
        )  # fmt: skip
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    raw = table.frame
    if not rows.rejected.empty:
        click.echo(f"Warning: {rows.summary()}", err=True)
    duplicates = duplicate_rows_warning(raw, first_line=FIRST_DATA_LINE)
    if duplicates:
        click.echo(f"Warning: {duplicates}", err=True)
    if quarantine is not None:
        write_csv(rows.rejected, quarantine)
        click.echo(f"{len(rows.rejected)} rejected rows written to {quarantine}", err=True)
    after = int((rows.valid[DATE] > pd.Timestamp(cutoff)).sum())
    if after:
        click.echo(f"{after} transactions after the cut-off are not used for fitting", err=True)
    settings = ClvSettings(penalizer=penalizer, purchase_model=purchase_model)
    if keep_outliers:
        settings = dataclasses.replace(settings, outlier_std=None)
    try:
        result = predict_customer_value(
            rows.valid, cutoff=cutoff.date(), settings=settings, horizons=horizons
        )
    except (ValueError, ConvergenceError) as error:
        raise click.ClickException(str(error)) from error
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
    predictions = result.predictions.rename(columns={CUSTOMER: customer_column})
    # Predictions and parameters replace the previous pair together, or not at all.
    with atomic_outputs(*(p for p in (out_path, params_out) if p is not None)) as temporaries:
        predictions.to_csv(temporaries[0], index=False, encoding="utf-8")
        if params_out is not None:
            write_parameters(result, temporaries[1])
    params = {
        **result.purchases.params_,
        **(result.gamma_gamma.params_ if result.gamma_gamma else {}),
    }
    # Numbers in the default locale (``cerebro.formatting``): a decimal comma, so the parameters
    # are separated by " · "; the CSV and the parameters file keep plain numbers.
    from cerebro.formatting import format_integer, format_significant

    click.echo(f"Purchase model: {result.choice.reason}")
    click.echo(
        f"{format_integer(len(result.predictions))} customers (cut-off {result.cutoff}) written "
        f"to {out_path}; {result.purchases.label} "
        + " · ".join(f"{name}={format_significant(value, 4)}" for name, value in params.items())
    )
