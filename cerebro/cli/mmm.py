"""`cerebro mmm fit` and `cerebro mmm optimize`: the budget brain on any CSV; `cerebro mmm
export`: the platform's own fit of a tenant, for `optimize` to plan on.

Heavy imports (pandas, the model) happen inside the commands so that `cerebro --help` stays fast.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from pathlib import Path

import click

from cerebro.csv_input.options import input_options

MODEL_FILE = "model.json"
#: What `mmm fit` writes into --out-dir (the model last: it is what `optimize` reads).
FIT_FILES = ("channel_summary.csv", "contributions.csv", "response_curves.csv",
             "diagnostics.json", MODEL_FILE)  # fmt: skip


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
@click.option(
    "--control-columns",
    help="Comma-separated demand signals, e.g. organic search clicks: more of one never "
    "lowers the target.",
)
@click.option(
    "--signed-control-columns",
    help="Comma-separated controls that may also lower the target (a price, a competitor).",
)
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
@click.option(
    "--out-dir",
    required=True,
    type=click.Path(path_type=Path),
    help="Folder for the outputs (created if missing; the files in it are replaced together).",
)
@input_options
def fit(
    input_path,
    date_column,
    spend_columns,
    target_column,
    control_columns,
    signed_control_columns,
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
    _check_fit_outputs(out_dir, [input_path, lift_tests])
    from cerebro.csv_input.columns import normalized_frame
    from cerebro.csv_input.table import CsvInputError, read_table
    from cerebro.output_files import atomic_outputs
    from ml_assets.mmm.inputs import MmmInputError
    from ml_assets.mmm.persistence import save_model
    from ml_assets.mmm.workflow import fit_mmm

    spend, controls, events = _split(spend_columns), _split(control_columns), _split(event_columns)
    signed = _split(signed_control_columns)
    try:
        # Text in the one form the validation reads: it reports an offending value as written.
        table = normalized_frame(
            read_table(input_path, encoding=encoding, delimiter=delimiter),
            day_columns=[date_column],
            number_columns=[target_column, *spend, *controls, *signed, *events],
            decimal_separator=decimal_separator,
            timezone=timezone,
        )
        with _still_fitting(every_seconds=60):
            result = fit_mmm(
                table,
                date_column=date_column,
                spend_columns=spend,
                target_column=target_column,
                control_columns=controls,
                signed_control_columns=signed,
                event_columns=events,
                frequency=frequency,
                holdout_days=holdout_days,
                seed=seed,
                draws=draws,
                lift_tests=_read_lift_tests(lift_tests),
                roi_bounds=_roi_bounds(roi_bounds),
                on_progress=click.echo,
            )
    except (CsvInputError, MmmInputError) as error:
        raise click.ClickException(str(error)) from error
    channels = result.channel_summary()
    diagnostics = result.diagnostics()
    # The five files replace the previous fit's together: never a new summary beside an old
    # model, nor a truncated model.json after Ctrl-C.
    with atomic_outputs(*(out_dir / name for name in FIT_FILES)) as paths:
        summary_csv, contributions_csv, curves_csv, diagnostics_json, model_json = paths
        channels.to_csv(summary_csv, index=False)
        result.contributions().to_csv(contributions_csv, index=False)
        result.response_curves().to_csv(curves_csv, index=False)
        diagnostics_json.write_text(
            json.dumps(diagnostics, indent=2, ensure_ascii=False), encoding="utf-8"
        )
        save_model(result.model, model_json)
    click.echo(_render_summary(channels, diagnostics))
    click.echo(f"\nWritten to {out_dir}/")


@contextlib.contextmanager
def _still_fitting(every_seconds: float):
    """A line every ``every_seconds`` while the fit runs: ten years of days take many minutes,
    and a silent terminal looks hung."""
    done, started = threading.Event(), time.monotonic()

    def tell() -> None:
        while not done.wait(every_seconds):
            minutes = (time.monotonic() - started) / 60
            click.echo(f"still fitting… {minutes:.0f} min so far")

    teller = threading.Thread(target=tell, daemon=True)
    teller.start()
    try:
        yield
    finally:
        done.set()
        teller.join()


def _check_fit_outputs(out_dir: Path, inputs: list[Path | None]) -> None:
    """Refuse, before the fit, an --out-dir that is a file or would replace an input."""
    from cerebro.output_files import check_output_file, check_output_folder

    check_output_folder(out_dir, option="--out-dir", inputs=inputs)
    for name in FIT_FILES:
        check_output_file(out_dir / name, option="--out-dir", inputs=inputs)


def _render_summary(channels, diagnostics) -> str:
    """The fit in the terminal, numbers in the default locale (``cerebro.formatting``; the CSV
    and JSON files keep plain numbers for programs)."""
    from cerebro.formatting import format_number, format_percent, format_significant

    level = format_percent(diagnostics["interval"], 0)
    lines = [
        f"{diagnostics['target']} · {diagnostics['start_date']} → {diagnostics['end_date']} · "
        f"holdout MAPE {format_percent(diagnostics['holdout']['mape'])} · "
        f"{format_number(diagnostics['fit_seconds'], 1)} s",
        f"{'channel':<22}{'ROI':>8}  {level + ' interval':<22}{'marginal ROI':>13}  identified",
    ]
    for row in channels.itertuples():
        # "; " between the bounds: the decimal symbol is a comma.
        interval = f"[{format_significant(row.roi_low)}; {format_significant(row.roi_high)}]"
        flag = "yes" if row.identified else f"no ({row.identification_issues})"
        lines.append(
            f"{row.channel:<22}{format_significant(row.roi):>8}  {interval:<22}"
            f"{format_significant(row.marginal_roi):>13}  {flag}"
        )
    lines.append(
        f"Intervalo del {level}: según el modelo, el valor real cae dentro de ese rango con "
        f"{level} de probabilidad."
    )
    if channels["identification_issues"].fillna("").str.contains("short_history").any():
        unit = "días" if diagnostics["period_days"] == 1 else "semanas"
        lines.append(
            f"Pocas {unit} ({diagnostics['periods']}) para {len(channels)} canales "
            "(short_history): los canales que los datos no distinguen mantienen su parte del "
            "presupuesto hasta medirlos con un experimento."
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
    "--net-of-spend",
    is_flag=True,
    help="Values are money (a new customer's contribution margin): plan for value net of "
    "spend, so the budget is a ceiling and no channel gets money whose next unit returns "
    "less than it costs (decision 0053). Needs --value.",
)
@click.option(
    "--move-unidentified",
    is_flag=True,
    help="Let the plan move channels the data cannot judge too (the model's expected-value "
    "bet; by default they move only together, in today's proportions).",
)
@click.option(
    "--out", "out_path", required=True, type=click.Path(path_type=Path), help="Plan CSV to write."
)
def optimize(
    model_path, total_budget, period_days, bounds, values, net_of_spend, move_unidentified,
    out_path,
):  # fmt: skip
    """Split TOTAL_BUDGET across channels; write channel, current_spend, optimal_spend and
    expected_revenue_change with its interval (with --net-of-spend, net of the spend added,
    and the budget left unspent)."""
    from cerebro.output_files import OutputPathError, check_output_file, write_csv
    from ml_assets.mmm.budget import ChannelBound, plan_budget
    from ml_assets.mmm.persistence import ModelFileError, load_model

    path = model_path / MODEL_FILE if model_path.is_dir() else model_path
    try:
        check_output_file(out_path, option="--out", inputs=[path])
        model = load_model(path)
        parsed = {c: ChannelBound.parse(t, c) for c, t in _pairs(bounds, "bounds").items()}
        worth = {c: _number(v, f"value of {c!r}") for c, v in _pairs(values, "values").items()}
        # plan_budget ignores values of other channels (the platform passes every source's);
        # a user who names one means a channel of this model.
        strangers = sorted(set(worth) - set(model.channels_))
        if strangers:
            raise ValueError(
                f"values for unknown channels {strangers}; channels: {model.channels_}"
            )
        worth = worth or None
        if net_of_spend and worth is None:
            raise ValueError("--net-of-spend needs --value for every channel, in money")
        plan = plan_budget(
            model, total_budget, period_days=period_days, bounds=parsed, values=worth,
            hold_unidentified=not move_unidentified, net_of_spend=net_of_spend,
        )  # fmt: skip
    except (OutputPathError, ModelFileError, ValueError) as error:
        raise click.ClickException(str(error)) from error
    write_csv(plan, out_path)
    first = plan.iloc[0]
    # The terminal in the default locale (``cerebro.formatting``); the CSV keeps plain numbers.
    from cerebro.formatting import format_integer

    click.echo(
        plan[["channel", "current_spend", "optimal_spend", "expected_revenue_change"]].to_string(
            index=False, float_format=format_integer
        )
    )
    unspent = f" · left unspent: {format_integer(first.unspent)}" if first.unspent >= 0.5 else ""
    click.echo(
        f"\nExpected change over {period_days} days: {format_integer(first.scenario_change)} "
        f"[{format_integer(first.scenario_change_low)}; "
        f"{format_integer(first.scenario_change_high)}]{unspent} · written to {out_path}"
    )
    # Whether the evidence backs the plan, as the pages say it (docs/decisions/0050).
    from cerebro.serving.mmm_verdict import read_diagnostics, verdict_lines

    click.echo("\n".join(verdict_lines(plan, model, read_diagnostics(path))))


#: The platform's fitted models (one per tenant and target), as the budget brain wrote them.
MODELS_SQL = (
    "select model_document from marts.mart_budget_models "
    "where tenant_id = %(tenant_id)s and target = %(target)s"
)


@mmm.command("export")
@click.option("--tenant", "tenant_id", required=True, help="Tenant id, e.g. casafacil_cl.")
@click.option(
    "--target",
    type=click.Choice(["new_customers", "revenue"]),
    default="new_customers",
    show_default=True,
    help="The model of new customers (what the customer-value plans read) or of revenue.",
)
@click.option(
    "--out-dir",
    required=True,
    type=click.Path(path_type=Path),
    help="Folder for model.json (created if missing).",
)
def export(tenant_id, target, out_dir) -> None:
    """Write the model the platform fitted for a tenant (marts.mart_budget_models) into
    OUT_DIR/model.json: `cerebro mmm optimize --model OUT_DIR` then plans on the very curves of
    the Simulador page and the budget scenarios."""
    from cerebro.output_files import OutputPathError, atomic_output, check_output_folder
    from cerebro.settings import load_settings
    from cerebro.warehouse import Warehouse, WarehouseError

    try:
        check_output_folder(out_dir, option="--out-dir")
        warehouse = Warehouse(load_settings())
        if not warehouse.table_exists("marts", "mart_budget_models"):
            raise click.ClickException(
                "the warehouse has no fitted models yet (marts.mart_budget_models): "
                "run `cerebro run`"
            )
        rows = warehouse.query(MODELS_SQL, {"tenant_id": tenant_id, "target": target})
        known = warehouse.query(
            "select distinct tenant_id from marts.mart_budget_models order by 1"
        )["tenant_id"].tolist()
    except (OutputPathError, WarehouseError) as error:
        raise click.ClickException(str(error)) from error
    if rows.empty:
        raise click.ClickException(
            f"no {target} model for tenant {tenant_id!r}; tenants with models: "
            f"{', '.join(known) or 'none'}"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    with atomic_output(out_dir / MODEL_FILE) as path:
        path.write_text(rows["model_document"].iloc[0], encoding="utf-8")
    click.echo(f"{tenant_id} · {target} model written to {out_dir / MODEL_FILE}")
