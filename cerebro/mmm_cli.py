"""`cerebro mmm fit` and `cerebro mmm optimize`: the budget brain on any CSV.

Heavy imports (pandas, the model) happen inside the commands so that `cerebro --help` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from cerebro.csv_input.options import input_options

MODEL_FILE = "model.json"


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _pairs(items: tuple[str, ...], what: str) -> dict[str, str]:
    """``channel=value`` options (channel names may contain spaces and '=' only before)."""
    pairs = {}
    for item in items:
        channel, separator, value = item.rpartition("=")
        if not separator or not channel.strip():
            raise click.BadParameter(f"{item!r}: write {what} as channel=value")
        pairs[channel.strip()] = value.strip()
    return pairs


def _number(text: str, what: str) -> float:
    try:
        return float(text)
    except ValueError as error:
        raise ValueError(f"{what} must be a number, got {text!r}") from error


@click.group()
def mmm() -> None:
    """Marketing-mix model: ROI per channel with intervals, and budget plans."""


def _read_lift_tests(path: Path | None) -> list[dict] | None:
    from ml_assets.mmm.inputs import MmmInputError
    from ml_assets.mmm.lift_tests import lift_tests_for, read_lift_tests

    if path is None:
        return None
    try:
        return lift_tests_for(read_lift_tests(path)) or None
    except MmmInputError as error:
        raise click.ClickException(str(error)) from error


def _roi_bounds(items: tuple[str, ...]) -> dict[str, tuple[float, float]]:
    bounds = {}
    for channel, text in _pairs(items, "ROI bounds").items():
        low, _, high = text.partition(":")
        try:
            bounds[channel] = (float(low or 0.0), float(high) if high else float("inf"))
        except ValueError as error:
            raise click.BadParameter(f"ROI bounds {text!r} for {channel!r}: low:high") from error
    return bounds


@mmm.command("fit")
@click.option(
    "--input",
    "input_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV with one row per day (or week).",
)
@click.option("--date-column", default="date", show_default=True, help="Column with the dates.")
@click.option("--spend-columns", required=True, help="Comma-separated spend columns (channels).")
@click.option("--target-column", required=True, help="What spend drives: revenue, new customers…")
@click.option("--control-columns", help="Comma-separated controls, e.g. organic search clicks.")
@click.option("--event-columns", help="Comma-separated 0/1 calendar columns (holidays, events).")
@click.option(
    "--frequency",
    type=click.Choice(["daily", "weekly"]),
    default="daily",
    show_default=True,
    help="Model per day or per week (daily rows are summed).",
)
@click.option(
    "--holdout-days",
    default=56,
    show_default=True,
    type=click.IntRange(1),
    help="Last days held out for the backtest.",
)
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of the sampler.")
@click.option(
    "--draws",
    default=200,
    show_default=True,
    type=click.IntRange(1),
    help="Posterior draws per chain (two chains) behind every estimate and interval.",
)
@click.option(
    "--lift-tests",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV of experiments: channel,start,end,lift,standard_error (lift in the target's unit).",
)
@click.option(
    "--roi-bounds",
    multiple=True,
    metavar="CHANNEL=LOW:HIGH",
    help="Bounds on a channel's ROI (repeatable).",
)
@click.option("--out-dir", required=True, type=click.Path(file_okay=False, path_type=Path))
@input_options
def fit(
    input_path,
    date_column,
    spend_columns,
    target_column,
    control_columns,
    event_columns,
    frequency,
    holdout_days,
    seed,
    draws,
    lift_tests,
    roi_bounds,
    out_dir,
    encoding,
    delimiter,
    decimal_separator,
    timezone,
) -> None:
    """Fit the model; write channel_summary.csv, contributions.csv, response_curves.csv,
    diagnostics.json and model.json into OUT_DIR.

    Dates may be ISO or day-first (05/03/2024 is 5 March); numbers may use dot thousands and
    a decimal comma (1.234.567,5) or a decimal point, decided per column."""
    from cerebro.csv_input.columns import normalized_frame
    from cerebro.csv_input.table import CsvInputError, read_table
    from ml_assets.mmm.inputs import MmmInputError
    from ml_assets.mmm.persistence import save_model
    from ml_assets.mmm.workflow import fit_mmm

    spend, controls, events = _split(spend_columns), _split(control_columns), _split(event_columns)
    try:
        # Text in the one form the validation reads: it reports an offending value as written.
        table = normalized_frame(
            read_table(input_path, encoding=encoding, delimiter=delimiter),
            day_columns=[date_column],
            number_columns=[target_column, *spend, *controls, *events],
            decimal_separator=decimal_separator,
            timezone=timezone,
        )
        result = fit_mmm(
            table,
            date_column=date_column,
            spend_columns=spend,
            target_column=target_column,
            control_columns=controls,
            event_columns=events,
            frequency=frequency,
            holdout_days=holdout_days,
            seed=seed,
            draws=draws,
            lift_tests=_read_lift_tests(lift_tests),
            roi_bounds=_roi_bounds(roi_bounds),
        )
    except (CsvInputError, MmmInputError) as error:
        raise click.ClickException(str(error)) from error
    out_dir.mkdir(parents=True, exist_ok=True)
    channels = result.channel_summary()
    channels.to_csv(out_dir / "channel_summary.csv", index=False)
    result.contributions().to_csv(out_dir / "contributions.csv", index=False)
    result.response_curves().to_csv(out_dir / "response_curves.csv", index=False)
    diagnostics = result.diagnostics()
    (out_dir / "diagnostics.json").write_text(
        json.dumps(diagnostics, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    save_model(result.model, out_dir / MODEL_FILE)
    click.echo(_render_summary(channels, diagnostics))
    click.echo(f"\nWritten to {out_dir}/")


def _render_summary(channels, diagnostics) -> str:
    level = f"{diagnostics['interval']:.0%}"
    lines = [
        f"{diagnostics['target']} · {diagnostics['start_date']} → {diagnostics['end_date']} · "
        f"holdout MAPE {diagnostics['holdout']['mape']:.1%} · {diagnostics['fit_seconds']:.1f}s",
        f"{'channel':<22}{'ROI':>8}  {level + ' interval':<22}{'marginal ROI':>13}  identified",
    ]
    for row in channels.itertuples():
        interval = f"[{row.roi_low:.3g}, {row.roi_high:.3g}]"
        flag = "yes" if row.identified else f"no ({row.identification_issues})"
        lines.append(
            f"{row.channel:<22}{row.roi:>8.3g}  {interval:<22}{row.marginal_roi:>13.3g}  {flag}"
        )
    return "\n".join(lines)


@mmm.command("optimize")
@click.option(
    "--model",
    "model_path",
    required=True,
    type=click.Path(exists=True, path_type=Path),
    help="Directory written by `cerebro mmm fit` (or its model.json).",
)
@click.option("--total-budget", required=True, type=float, help="Budget to split (>= 0).")
@click.option(
    "--period-days",
    default=30,
    show_default=True,
    type=click.IntRange(1),
    help="Days the budget is spent over, evenly.",
)
@click.option(
    "--bound",
    "bounds",
    multiple=True,
    metavar="CHANNEL=MIN:MAX",
    help="Spend bounds over the period, in budget units (repeatable; MIN or MAX may be empty).",
)
@click.option(
    "--value",
    "values",
    multiple=True,
    metavar="CHANNEL=VALUE",
    help="Value of one unit of the target per channel (e.g. mean 12-month CLV of a "
    "new customer); give it for every channel or none.",
)
@click.option(
    "--move-unidentified",
    is_flag=True,
    help="Let the plan move channels the data cannot judge too (the model's expected-value "
    "bet; by default they keep their share of the budget).",
)
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
def optimize(model_path, total_budget, period_days, bounds, values, move_unidentified, out_path):
    """Split TOTAL_BUDGET across channels; write channel, current_spend, optimal_spend and
    expected_revenue_change with its interval."""
    from ml_assets.mmm.budget import ChannelBound, plan_budget
    from ml_assets.mmm.persistence import ModelFileError, load_model

    path = model_path / MODEL_FILE if model_path.is_dir() else model_path
    try:
        model = load_model(path)
        parsed = {c: ChannelBound.parse(text) for c, text in _pairs(bounds, "bounds").items()}
        worth = {c: _number(v, f"value of {c!r}") for c, v in _pairs(values, "values").items()}
        worth = worth or None
        plan = plan_budget(
            model, total_budget, period_days=period_days, bounds=parsed, values=worth,
            hold_unidentified=not move_unidentified,
        )  # fmt: skip
    except (ModelFileError, ValueError) as error:
        raise click.ClickException(str(error)) from error
    out_path.parent.mkdir(parents=True, exist_ok=True)
    plan.to_csv(out_path, index=False)
    first = plan.iloc[0]
    click.echo(
        plan[["channel", "current_spend", "optimal_spend", "expected_revenue_change"]].to_string(
            index=False, float_format=lambda v: f"{v:,.0f}"
        )
    )
    click.echo(
        f"\nExpected change over {period_days} days: {first.scenario_change:,.0f} "
        f"[{first.scenario_change_low:,.0f}, {first.scenario_change_high:,.0f}] · "
        f"written to {out_path}"
    )
