"""Experiment results (lift tests) read from a CSV, for calibration: one reader and one set of
rules for ``cerebro mmm fit --lift-tests`` and the tenants' ``mmm: {experiments: ...}`` file.

Columns: ``channel``, ``start``, ``end`` (inclusive dates of the test), ``lift`` (what the
channel added over those days, in the target's unit: revenue, or new customers) and
``standard_error`` (> 0); optionally ``target`` (``revenue`` or ``new_customers``, default
``revenue``), which says which model the result calibrates. Every problem is one line naming
the row.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ml_assets.mmm.inputs import MmmInputError

REQUIRED = ("channel", "start", "end", "lift", "standard_error")
TARGETS = ("revenue", "new_customers")


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
        where = f"lift tests file {path}, line {number}"
        start, end = pd.to_datetime([row.start, row.end], errors="coerce", format="mixed")
        if pd.isna(start) or pd.isna(end) or end < start:
            raise MmmInputError(f"{where}: start and end must be dates, start <= end")
        lift = pd.to_numeric(row.lift, errors="coerce")
        error = pd.to_numeric(row.standard_error, errors="coerce")
        if not (np.isfinite(lift) and np.isfinite(error) and error > 0):
            raise MmmInputError(f"{where}: lift must be a number and standard_error above 0")
        target = row.target.strip() or "revenue"
        if target not in TARGETS:
            raise MmmInputError(f"{where}: target must be one of {list(TARGETS)}")
        if not row.channel.strip():
            raise MmmInputError(f"{where}: the channel is empty")
        rows.append(
            {"channel": row.channel.strip(), "start": start.date().isoformat(),
             "end": end.date().isoformat(), "lift": float(lift),
             "standard_error": float(error), "target": target}
        )  # fmt: skip
    return pd.DataFrame(rows, columns=[*REQUIRED, "target"])


def lift_tests_for(tests: pd.DataFrame, target: str | None = None) -> list[dict]:
    """The tests that calibrate the model of ``target`` (every test when None: a model fitted
    on a user's own target column), as the model takes them."""
    mine = tests if target is None else tests[tests["target"] == target]
    return mine[list(REQUIRED)].to_dict("records")
