"""Experiment results (lift tests) for calibration: one set of rules (``check_lift_test``) for
``cerebro mmm fit --lift-tests``, the tenants' ``mmm: {experiments: ...}`` file and the
experiments registered from Metabase (decision 0072).

Columns: ``channel``, ``start``, ``end`` (inclusive dates of the test), ``lift`` (what the
channel added over those days, in the target's unit: revenue, or new customers) and
``standard_error`` (> 0); optionally ``target`` (``revenue`` or ``new_customers``, default
``revenue``), which says which model the result calibrates. Every problem is one line naming
the row; ``LiftTestError.rule`` names the broken rule, so that a caller speaking another
language (the Metabase requests, in Spanish) words it without a second copy of the rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from ml_assets.mmm.inputs import MmmInputError

REQUIRED = ("channel", "start", "end", "lift", "standard_error")
TARGETS = ("revenue", "new_customers")
COLUMNS = (*REQUIRED, "target")
#: What makes two rows the same test (the same channel, days and target): counted once.
TEST_KEY = ("channel", "start", "end", "target")


class LiftTestError(MmmInputError):
    """A lift test breaks one of the rules; ``rule`` says which: ``dates`` (not dates, or the
    end before the start), ``future`` (a date after ``today``), ``numbers`` (lift not a
    number, standard error not above 0), ``target``, ``channel`` (empty) or
    ``unknown_channel`` (not one of ``channels``)."""

    def __init__(self, rule: str, message: str):
        super().__init__(message)
        self.rule = rule


def check_lift_test(
    channel,
    start,
    end,
    lift,
    standard_error,
    target=None,
    *,
    channels: Iterable[str] | None = None,
    today: dt.date | None = None,
    since: dt.date | None = None,
) -> dict:
    """One lift test, validated and normalised (ISO dates, floats, target filled in). With
    ``today``, neither date may be after it (a test that has not happened has no readout);
    with ``since`` (the data's first day), it must not end before it (the model has no day to
    calibrate); with ``channels``, the channel must be one of them (the model's paid
    channels)."""
    first, last = pd.to_datetime(
        [str(start or ""), str(end or "")], errors="coerce", format="mixed"
    )
    if pd.isna(first) or pd.isna(last) or last < first:
        raise LiftTestError("dates", "start and end must be dates, start <= end")
    if today is not None and last.date() > today:
        raise LiftTestError("future", f"the test ends after today ({today.isoformat()})")
    if since is not None and last.date() < since:
        raise LiftTestError("before_data", f"the test ends before the data ({since.isoformat()})")
    value = pd.to_numeric(str(lift if lift is not None else ""), errors="coerce")
    error = pd.to_numeric(str(standard_error if standard_error is not None else ""),
                          errors="coerce")  # fmt: skip
    if not (np.isfinite(value) and np.isfinite(error) and error > 0):
        raise LiftTestError("numbers", "lift must be a number and standard_error above 0")
    target = str(target or "").strip() or "revenue"
    if target not in TARGETS:
        raise LiftTestError("target", f"target must be one of {list(TARGETS)}")
    name = str(channel or "").strip()
    if not name:
        raise LiftTestError("channel", "the channel is empty")
    if channels is not None and name not in set(channels):
        raise LiftTestError(
            "unknown_channel", f"channel {name!r} is not one of {sorted(set(channels))}"
        )
    return {"channel": name, "start": first.date().isoformat(), "end": last.date().isoformat(),
            "lift": float(value), "standard_error": float(error), "target": target}  # fmt: skip


def read_lift_tests(path: Path) -> pd.DataFrame:
    """The experiments of ``path``, validated: one row per test, ``target`` filled in."""
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as error:
        raise MmmInputError(f"cannot read lift tests from {path}: {error}") from error
    except pd.errors.EmptyDataError as error:
        raise MmmInputError(f"lift tests file {path} is empty") from error
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        raise MmmInputError(f"lift tests file {path} lacks columns {missing}")
    if "target" not in table.columns:
        table["target"] = "revenue"
    rows = []
    for number, row in enumerate(table.itertuples(index=False), start=2):  # line 1: header
        try:
            rows.append(check_lift_test(row.channel, row.start, row.end, row.lift,
                                        row.standard_error, row.target))  # fmt: skip
        except LiftTestError as error:
            raise LiftTestError(
                error.rule, f"lift tests file {path}, line {number}: {error}"
            ) from None
    return pd.DataFrame(rows, columns=list(COLUMNS))


def merge_lift_tests(*tables: pd.DataFrame | None) -> pd.DataFrame | None:
    """The tests of several sources as one table, each test (``TEST_KEY``) once: the first
    table that has it wins (callers put the curated file first). None when there are none."""
    present = [t[list(COLUMNS)] for t in tables if t is not None and not t.empty]
    if not present:
        return None
    merged = pd.concat(present, ignore_index=True)
    return merged.drop_duplicates(list(TEST_KEY), keep="first").reset_index(drop=True)


def lift_tests_for(tests: pd.DataFrame, target: str | None = None) -> list[dict]:
    """The tests that calibrate the model of ``target`` (every test when None: a model fitted
    on a user's own target column), as the model takes them."""
    mine = tests if target is None else tests[tests["target"] == target]
    return mine[list(REQUIRED)].to_dict("records")
