"""One tenant's budget-brain run: the marts become a daily table, the model is fitted per
target (revenue, new customers), and every output is stamped as rows of the ``ml_mmm_*`` and
``ml_budget_scenarios`` tables.

Inputs are the marts' rows as read (``orchestration/mmm_assets.py``; the sums are dbt's,
``models/marts/ml_inputs``): spend per local day and channel group, organic search clicks,
calendar events, revenue and signups per local day, the days a paid spend source says nothing
about, and each acquisition channel's first-days revenue.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ml_assets.mmm.customer_revenue import (
    new_customer_revenue_observations,
    revenue_per_new_customer,
)
from ml_assets.mmm.inputs import MmmInputError
from ml_assets.mmm.lift_tests import lift_tests_for
from ml_assets.mmm.model import MODEL_VERSION
from ml_assets.mmm.persistence import model_to_dict
from ml_assets.mmm.recommendation import recommend
from ml_assets.mmm.scenarios import Scenario, grid_scenarios, run_scenarios
from ml_assets.mmm.workflow import MmmResult, fit_mmm

#: Target name -> column of the tenant table. New customers first: the revenue model uses
#: what that model measured (``customer_revenue.py``).
TARGETS = {"new_customers": "new_customers", "revenue": "revenue"}
EVENT_TYPES = ("public_holiday", "commercial_event")
ORGANIC = "organic_search_clicks"
#: Why a tenant without a day of ad spend (a store that connects no paid channel) is not
#: modelled.
NO_AD_SPEND = "no ad spend: the budget brain needs paid channels"


@dataclass(frozen=True)
class TenantInputs:
    """The marts' rows for one tenant (column names as in the queries)."""

    spend: pd.DataFrame  # spend_date, channel_group, spend_amount
    organic: pd.DataFrame  # search_date, clicks
    events: pd.DataFrame  # event_date, event_type
    revenue: pd.DataFrame  # created_date, revenue
    signups: pd.DataFrame  # signup_date, new_customers
    #: channel, new_customers, first_days_revenue (``customer_revenue.py``); empty: unused.
    customer_revenue: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            columns=["channel", "new_customers", "first_days_revenue"]
        )
    )
    #: channel_group, gap_start_date, gap_end_date: runs of days some paid source of the
    #: channel says nothing about (marts.mart_ad_spend_gaps); empty: every day is known.
    missing_spend: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            columns=["channel_group", "gap_start_date", "gap_end_date"]
        )
    )


def _daily(frame: pd.DataFrame, date_column: str, value_column: str, dates) -> np.ndarray:
    if frame.empty:
        return np.zeros(len(dates))
    # Warehouses return sums of exact decimals as Decimal objects: floats from here on.
    amounts = pd.to_numeric(frame[value_column]).astype(float)
    values = amounts.groupby(pd.to_datetime(frame[date_column]).to_numpy()).sum()
    return values.reindex(dates, fill_value=0.0).to_numpy(dtype=float)


def complete_spend_days(dates: pd.DatetimeIndex, missing: pd.DataFrame) -> pd.DatetimeIndex:
    """The longest run of consecutive ``dates`` (the latest of equal runs) on which no paid
    spend source misses a day (``TenantInputs.missing_spend``).

    A missing day is unknown spend, not zero spend: read as 0 it would tell the model the
    channel paused while customers kept coming, pulling its effect towards nothing (a CSV
    export that stops early decays the channel's contribution to almost nothing). The model
    needs consecutive days (adstock), so the days are left out by fitting the longest stretch
    without them; a gap at the end moves the cut-off back."""
    if missing.empty:
        return dates
    unknown = pd.DatetimeIndex([])
    for row in missing.itertuples(index=False):
        unknown = unknown.union(pd.date_range(row.gap_start_date, row.gap_end_date, freq="D"))
    known = ~dates.isin(unknown)
    if not known.any():
        raise MmmInputError(
            "every day misses the spend of some paid channel "
            f"({', '.join(sorted(set(missing['channel_group'])))}); see marts.mart_ad_spend_gaps"
        )
    # Runs of known days: each unknown day starts a new run; the longest, latest first.
    run_ids = np.cumsum(~known)
    lengths = pd.Series(known.astype(int)).groupby(run_ids).sum()
    best = lengths[lengths == lengths.max()].index.max()
    return dates[known & (run_ids == best)]


def tenant_table(inputs: TenantInputs) -> tuple[pd.DataFrame, list[str], list[str], list[str]]:
    """One row per local day from the first day with ad spend to the last day with revenue
    or signups, without the days some paid source's spend is unknown (the longest stretch
    without them, ``complete_spend_days``): spend per channel group (0 on days without rows,
    which the sources report as days without delivery), organic clicks (a control when
    Search Console covers the whole window), holiday and commercial-event indicators, revenue
    and new customers. Returns the table, channels, controls and events."""
    if inputs.spend.empty:
        raise MmmInputError(NO_AD_SPEND)
    first = pd.to_datetime(inputs.spend["spend_date"]).min()
    targets = ((inputs.revenue, "created_date"), (inputs.signups, "signup_date"))
    ends = [pd.to_datetime(frame[column]).max() for frame, column in targets if not frame.empty]
    if not ends:
        raise MmmInputError("no orders and no signups: nothing for spend to explain")
    dates = complete_spend_days(pd.date_range(first, max(ends), freq="D"), inputs.missing_spend)
    table = pd.DataFrame({"date": dates})
    spend = inputs.spend.assign(spend_date=pd.to_datetime(inputs.spend["spend_date"]))
    channels = []
    for channel, rows in spend.groupby("channel_group", sort=True):
        values = _daily(rows, "spend_date", "spend_amount", dates)
        if values.sum() > 0:
            table[channel] = values
            channels.append(str(channel))
    controls = []
    if not inputs.organic.empty:
        covered = pd.DatetimeIndex(pd.to_datetime(inputs.organic["search_date"]).unique())
        if dates.isin(covered).all():
            table[ORGANIC] = _daily(inputs.organic, "search_date", "clicks", dates)
            controls.append(ORGANIC)
    events = []
    for event_type in EVENT_TYPES:
        days = pd.to_datetime(
            inputs.events.loc[inputs.events["event_type"] == event_type, "event_date"]
        )
        flags = dates.isin(days).astype(float)
        if flags.any():
            table[event_type] = flags
            events.append(event_type)
    table["revenue"] = _daily(inputs.revenue, "created_date", "revenue", dates)
    table["new_customers"] = _daily(inputs.signups, "signup_date", "new_customers", dates)
    return table, channels, controls, events


@dataclass
class TenantMmm:
    """A tenant's output rows (one frame per warehouse table) and what could not be done."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    results: dict[str, MmmResult] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    skipped_scenarios: list[str] = field(default_factory=list)


#: The outputs' ``date`` column, named after its table as the warehouse's ``<event>_date``.
DATE_COLUMNS = {"ml_mmm_contributions": "contribution_date", "ml_mmm_backtest": "backtest_date"}


def _stamp(frame: pd.DataFrame, tenant_id: str, target: str, cutoff, predicted_at) -> pd.DataFrame:
    stamped = frame.copy()
    stamped.insert(0, "target", target)
    stamped.insert(0, "tenant_id", tenant_id)
    stamped["model_version"] = MODEL_VERSION
    stamped["cutoff_date"] = pd.Timestamp(cutoff)
    stamped["predicted_at"] = pd.Timestamp(predicted_at)
    return stamped


def diagnostics_rows(diagnostics: dict) -> pd.DataFrame:
    """The diagnostics dict as long rows: metric, channel (or None), value, text."""
    rows = []

    def add(metric, value, channel=None):
        number = isinstance(value, int | float) and not isinstance(value, bool)
        rows.append(
            {
                "metric": metric,
                "channel": channel,
                "value": float(value) if number else np.nan,
                "text": None if number or value is None else str(value),
            }
        )

    for key, value in diagnostics.items():
        if key in ("in_sample", "holdout"):
            for name, number in value.items():
                add(f"{key}_{name}", number)
        elif key in ("hyperparameters", "identification", "control_intervals"):
            for channel, values in value.items():
                for name, number in values.items():
                    add(name, number, channel)
        elif key in ("coefficients", "decomposition_shares"):
            for channel, number in value.items():
                add(key.removesuffix("s"), number, channel)
        elif isinstance(value, list):
            add(key, ",".join(map(str, value)))
        else:
            add(key, value)
    return pd.DataFrame(rows)


def run_tenant_mmm(
    tenant_id: str,
    inputs: TenantInputs,
    *,
    scenarios: list[Scenario],
    predicted_at: dt.datetime,
    customer_values: dict[str, float] | None = None,
    values_are_margins: bool = False,
    targets: tuple[str, ...] = tuple(TARGETS),
    holdout_days: int = 56,
    draws: int = 200,
    seed: int = 0,
    lift_tests: pd.DataFrame | None = None,
) -> TenantMmm:
    """Fit every target, build every output table's rows, run the scenario grid and the named
    scenarios; with ``customer_values`` (channel group -> the value of one of its new customers,
    mart_new_customer_value) the new-customers model also plans for customer value ("ltv"),
    and where those values are contribution margins (``values_are_margins``) for that value
    net of the spend that buys it ("net_value", decision 0053). ``lift_tests``
    (``lift_tests.read_lift_tests``) calibrate the model of their target; the revenue model
    also gets each channel's new customers times their first-days revenue
    (``customer_revenue.py``) when both are known."""
    run = TenantMmm()
    table, channels, controls, events = tenant_table(inputs)
    cutoff = table["date"].max()
    for target in targets:
        evidence = [] if lift_tests is None else lift_tests_for(lift_tests, target)
        if target == "revenue" and "new_customers" in run.results:
            training = pd.DatetimeIndex(table["date"]).sort_values()[:-holdout_days]
            evidence += new_customer_revenue_observations(
                run.results["new_customers"].model,
                revenue_per_new_customer(inputs.customer_revenue),
                training,
            )
        try:
            result = fit_mmm(
                table, date_column="date", spend_columns=channels, target_column=TARGETS[target],
                control_columns=controls, event_columns=events, holdout_days=holdout_days,
                draws=draws, seed=seed, lift_tests=evidence or None,
            )  # fmt: skip
        except MmmInputError as error:
            run.failed[target] = str(error)
            continue
        run.results[target] = result
        outputs = {
            "ml_mmm_channel_summary": result.channel_summary(),
            "ml_mmm_contributions": result.contributions(),
            "ml_mmm_response_curves": result.response_curves(),
            "ml_mmm_diagnostics": diagnostics_rows(result.diagnostics()),
            "ml_mmm_backtest": result.backtest,
            "ml_budget_scenarios": _scenarios(
                run, result, target, scenarios, customer_values, seed
            ),
            "ml_budget_recommendations": _recommendations(
                result, target, customer_values, values_are_margins, seed
            ),
            "ml_mmm_models": model_row(result),
        }
        for name, frame in outputs.items():
            stamped = _stamp(frame, tenant_id, target, cutoff, predicted_at)
            if name in DATE_COLUMNS:
                stamped = stamped.rename(columns={"date": DATE_COLUMNS[name]})
            run.tables[name] = pd.concat(
                [run.tables[name], stamped] if name in run.tables else [stamped],
                ignore_index=True,
            )
    return run


def model_row(result: MmmResult) -> pd.DataFrame:
    """The fitted model as one row: its JSON document (``persistence.py``, what ``cerebro mmm
    optimize --model`` reads), so that the static Simulador plans on the very curves the
    scenarios were planned on, and a data engineer can plan on them from the terminal."""
    document = json.dumps(model_to_dict(result.model), ensure_ascii=False, separators=(",", ":"))
    return pd.DataFrame({"model_document": [document]})


def _objectives(result: MmmResult, target: str, customer_values) -> list[tuple[str, dict | None]]:
    """What a target's model can plan for: the target itself and, for new customers with a
    value for every channel, their value ("ltv")."""
    objectives = [(target, None)]
    valued = customer_values and all(c in customer_values for c in result.model.channels_)
    if target == "new_customers" and valued:
        objectives.append(("ltv", customer_values))
    return objectives


def _recommendations(
    result: MmmResult, target: str, customer_values, values_are_margins: bool, seed: int
) -> pd.DataFrame:
    """The advice per objective; with customer values on margin, also the margin value of new
    customers net of the spend that buys them ("net_value"): revenue netted against spend
    would fund a channel whose customers cost more than they leave, so it is planned on
    margins only. Not a Simulador objective: its plans may spend less than their budget."""
    plans = [(objective, values, False) for objective, values in
             _objectives(result, target, customer_values)]  # fmt: skip
    if values_are_margins and any(objective == "ltv" for objective, _, _ in plans):
        plans.append(("net_value", customer_values, True))
    frames = []
    for objective, values, net in plans:
        advice = recommend(result.model, values=values, net_of_spend=net, seed=seed)
        advice.insert(0, "objective", objective)
        frames.append(advice)
    return pd.concat(frames, ignore_index=True)


def _scenarios(run, result, target, scenarios, customer_values, seed) -> pd.DataFrame:
    everything = grid_scenarios() + list(scenarios)
    if target == "new_customers" and customer_values:
        missing = [c for c in result.model.channels_ if c not in customer_values]
        if missing:
            run.skipped_scenarios.append(f"ltv: no new-customer value for channels {missing}")
    frames = []
    for objective, values in _objectives(result, target, customer_values):
        plans, skipped = run_scenarios(result.model, everything, values=values, seed=seed)
        run.skipped_scenarios += [f"{objective}: {reason}" for reason in skipped]
        if not plans.empty:
            plans.insert(0, "objective", objective)
            frames.append(plans)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
