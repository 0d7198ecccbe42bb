"""Input validation and shaping: a user's table becomes the model's frame, or a clear error.

Every error names the column and the problem, and where it can, the first offending row, so
that a user trying ``cerebro mmm fit`` on their own CSV knows what to fix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

FREQUENCIES = {"daily": 1, "weekly": 7}
#: The decomposition's name for intercept + trend + seasonality.
RESERVED_NAME = "baseline"
#: Largest spend, target or control per row accepted. Beyond it the number is a unit or
#: parsing mistake (1e15 a day is a thousand times the largest advertiser's yearly spend in
#: pesos), and the sampler's scaling turns it into ROI 0 "identified" instead of an error.
MAX_ABS_VALUE = 1e15


class MmmInputError(ValueError):
    """The input table cannot be modelled as given; the message says why."""


@dataclass(frozen=True)
class ModelInput:
    """The validated frame (indexed by period start) and the role of every column."""

    frame: pd.DataFrame
    target: str
    channels: list[str]
    controls: list[str]
    events: list[str]
    period_days: int


def _first_bad(values: pd.Series, bad: pd.Series) -> str:
    position = int(np.flatnonzero(bad.to_numpy())[0])
    return f"row {position + 1}: {values.iloc[position]!r}"


def _numeric(frame: pd.DataFrame, column: str, role: str) -> pd.Series:
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce")
    missing = raw.isna() | (raw.astype(str).str.strip() == "")
    if missing.any():
        hint = "; write 0 for days without spend" if role == "spend" else ""
        raise MmmInputError(
            f"{role} column {column!r} has {int(missing.sum())} empty values "
            f"(first at row {int(np.flatnonzero(missing.to_numpy())[0]) + 1}){hint}"
        )
    bad = values.isna() | ~np.isfinite(values.fillna(0).to_numpy(dtype=float))
    if bad.any():
        raise MmmInputError(
            f"{role} column {column!r} has {int(bad.sum())} non-numeric values "
            f"({_first_bad(raw, bad)})"
        )
    return values.astype(float)


def _dates(frame: pd.DataFrame, column: str) -> pd.Series:
    raw = frame[column]
    dates = pd.to_datetime(raw, errors="coerce", format="mixed")
    bad = dates.isna()
    if bad.any():
        raise MmmInputError(
            f"date column {column!r} has {int(bad.sum())} missing or unreadable dates "
            f"({_first_bad(raw, bad)}); use YYYY-MM-DD"
        )
    if getattr(dates.dt, "tz", None) is not None:
        dates = dates.dt.tz_localize(None)
    return dates.dt.normalize()


def _check_consecutive(dates: pd.Series, step_days: int) -> None:
    duplicated = dates.duplicated()
    if duplicated.any():
        raise MmmInputError(
            f"{int(duplicated.sum())} duplicate dates (first: {dates[duplicated].iloc[0].date()}); "
            "the model needs one row per period"
        )
    ordered = dates.sort_values()
    expected = pd.date_range(ordered.iloc[0], ordered.iloc[-1], freq=f"{step_days}D")
    missing = expected.difference(pd.DatetimeIndex(ordered))
    if len(missing) or len(expected) != len(ordered):
        if not len(missing):
            raise MmmInputError(
                f"dates are not {step_days} day(s) apart; rows must be consecutive periods"
            )
        raise MmmInputError(
            f"{len(missing)} missing dates between {ordered.iloc[0].date()} and "
            f"{ordered.iloc[-1].date()} (first missing: {missing[0].date()}); the model needs "
            "every period, with 0 spend where nothing was spent"
        )


def prepare_input(
    table: pd.DataFrame,
    *,
    date_column: str,
    spend_columns: list[str],
    target_column: str,
    control_columns: list[str] = (),
    event_columns: list[str] = (),
    frequency: str = "daily",
) -> ModelInput:
    """Validate ``table`` and shape it into the model's frame.

    Daily input with ``frequency="weekly"`` is summed into complete Monday-to-Sunday weeks
    (events: 1 if they happen on any day of the week); weekly input is used as it is.
    """
    if frequency not in FREQUENCIES:
        raise MmmInputError(f"frequency must be one of {sorted(FREQUENCIES)}, got {frequency!r}")
    roles = {date_column: "date", target_column: "target"}
    for column in spend_columns:
        roles.setdefault(column, "spend")
    for column in control_columns:
        roles.setdefault(column, "control")
    for column in event_columns:
        roles.setdefault(column, "event")
    named = [date_column, target_column, *spend_columns, *control_columns, *event_columns]
    if RESERVED_NAME in named[1:]:
        raise MmmInputError(f"{RESERVED_NAME!r} names the model's baseline: rename that column")
    if len(set(named)) != len(named):
        repeated = sorted({c for c in named if named.count(c) > 1})
        raise MmmInputError(f"columns given more than one role: {repeated}")
    if not spend_columns:
        raise MmmInputError("at least one spend column is needed")
    unknown = [c for c in named if c not in table.columns]
    if unknown:
        raise MmmInputError(
            f"unknown column(s) {unknown}; the input has: {[str(c) for c in table.columns]}"
        )
    if table.empty:
        raise MmmInputError("the input has no rows")

    frame = pd.DataFrame({"__date": _dates(table, date_column)})
    frame[target_column] = _numeric(table, target_column, "target").to_numpy()
    for column in spend_columns:
        values = _numeric(table, column, "spend")
        negative = values < 0
        if negative.any():
            raise MmmInputError(
                f"spend column {column!r} has {int(negative.sum())} negative values "
                f"({_first_bad(table[column], negative)})"
            )
        frame[column] = values.to_numpy()
    for column in [*control_columns, *event_columns]:
        frame[column] = _numeric(table, column, roles[column]).to_numpy()
    _check_magnitudes(table, frame, roles)
    frame = frame.sort_values("__date", kind="stable")

    step = _observed_step(frame["__date"])
    _check_consecutive(frame["__date"], step)
    frame = frame.set_index(pd.DatetimeIndex(frame.pop("__date"), name="date"))
    period_days = FREQUENCIES[frequency]
    if step == 1 and period_days == 7:
        frame = _to_weeks(frame, event_columns)
    elif step != period_days:
        raise MmmInputError(
            f"rows are {step} day(s) apart but frequency is {frequency!r}; daily rows can be "
            "modelled daily or weekly, weekly rows only weekly"
        )
    idle = [c for c in spend_columns if frame[c].sum() <= 0]
    if idle:
        raise MmmInputError(f"spend column(s) {idle} are all zero: nothing to measure")
    _check_variation(frame, target_column, spend_columns)
    return ModelInput(
        frame, target_column, list(spend_columns), list(control_columns),
        list(event_columns), period_days,
    )  # fmt: skip


def _check_variation(frame: pd.DataFrame, target_column: str, spend_columns: list[str]) -> None:
    """Refuse a target, or every channel's spend, that never changes: the model explains the
    target's changes by the spends' changes, so a flat series has nothing to fit and the
    sampler returns a perfect holdout and arbitrary ROIs instead of an error."""
    if frame[target_column].nunique() == 1:
        raise MmmInputError(
            f"target column {target_column!r} is {frame[target_column].iloc[0]:g} on every row: "
            "a constant has nothing to explain; check that it is the right column"
        )
    if all(frame[column].nunique() == 1 for column in spend_columns):
        raise MmmInputError(
            f"every spend column ({', '.join(spend_columns)}) is the same on every row: a "
            "channel's effect is learnt from how its spend changes; give data whose spend varies"
        )


def _check_magnitudes(table: pd.DataFrame, frame: pd.DataFrame, roles: dict[str, str]) -> None:
    """Refuse values beyond ``MAX_ABS_VALUE`` (``frame`` rows are still in ``table``'s order)."""
    for column, role in roles.items():
        if role == "date":
            continue
        huge = pd.Series(frame[column].abs().to_numpy() > MAX_ABS_VALUE, index=table.index)
        if huge.any():
            raise MmmInputError(
                f"{role} column {column!r} has {int(huge.sum())} values beyond "
                f"{MAX_ABS_VALUE:.0e} ({_first_bad(table[column], huge)}): more than any business "
                "spends or sells in a day; check the column's unit"
            )


def _observed_step(dates: pd.Series) -> int:
    if len(dates) < 2:
        return 1
    gaps = np.diff(np.sort(dates.to_numpy())).astype("timedelta64[D]").astype(int)
    positive = gaps[gaps > 0]
    return int(positive.min()) if len(positive) else 1


def _to_weeks(frame: pd.DataFrame, event_columns: list[str]) -> pd.DataFrame:
    """Complete Monday-Sunday weeks: sums, except events (any day of the week counts)."""
    week = frame.index.to_period("W-SUN").start_time
    grouped = frame.groupby(week)
    weekly = grouped.sum()
    for column in event_columns:
        weekly[column] = grouped[column].max()
    complete = grouped.size() == 7
    weekly = weekly[complete.to_numpy()]
    weekly.index = pd.DatetimeIndex(weekly.index, name="date")
    return weekly
