"""One set of rules for lift tests (decision 0072): the experiments file's reader and the
experiments registered from Metabase both call ``check_lift_test``; tests of the same channel,
days and target are counted once; and the backtest's refit leaves out a test that starts after
its last day. Oracles: the rules as decision 0072 states them and the dates of a crafted frame.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from ml_assets.mmm import workflow
from ml_assets.mmm.inputs import ModelInput
from ml_assets.mmm.lift_tests import (
    LiftTestError,
    check_lift_test,
    merge_lift_tests,
    read_lift_tests,
)

HEADER = "channel,start,end,lift,standard_error,target\n"


@pytest.mark.parametrize(
    ("line", "rule"),
    [("Meta,2026-10-28,2026-10-01,10,2,revenue", "dates"),
     ("Meta,2026-10-01,2026-10-28,10,0,revenue", "numbers"),
     ("Meta,2026-10-01,2026-10-28,diez,2,revenue", "numbers"),
     ("Meta,2026-10-01,2026-10-28,10,2,ventas", "target"),
     (" ,2026-10-01,2026-10-28,10,2,revenue", "channel")],
)  # fmt: skip
def test_the_file_and_a_single_test_break_the_same_rule(tmp_path, line, rule):
    path = tmp_path / "experiments.csv"
    path.write_text(HEADER + line + "\n", encoding="utf-8")
    with pytest.raises(LiftTestError) as from_file:
        read_lift_tests(path)
    assert from_file.value.rule == rule
    assert f"{path}, line 2: " in str(from_file.value)
    with pytest.raises(LiftTestError) as single:
        check_lift_test(*line.split(","))
    assert single.value.rule == rule


def test_the_data_dependent_rules_apply_when_their_facts_are_given():
    test = ("Meta", "2026-10-01", "2026-10-28", 10, 2, "revenue")
    assert check_lift_test(*test)["end"] == "2026-10-28"
    cases = [({"channels": ["Google"]}, "unknown_channel"),
             ({"today": dt.date(2026, 10, 27)}, "future"),
             ({"since": dt.date(2026, 10, 29)}, "before_data")]  # fmt: skip
    for facts, rule in cases:
        with pytest.raises(LiftTestError) as error:
            check_lift_test(*test, **facts)
        assert error.value.rule == rule
    kept = check_lift_test(*test, channels=["Meta"], today=dt.date(2026, 10, 28),
                           since=dt.date(2026, 10, 28))  # fmt: skip
    assert kept["channel"] == "Meta"


def test_the_same_test_from_two_sources_counts_once_the_first_wins():
    first = pd.DataFrame([check_lift_test("Meta", "2026-10-01", "2026-10-28", 10, 2)])
    second = pd.DataFrame([check_lift_test("Meta", "2026-10-01", "2026-10-28", 12, 3),
                           check_lift_test("Meta", "2026-10-01", "2026-10-28", 5, 1,
                                           "new_customers")])  # fmt: skip
    merged = merge_lift_tests(first, second)
    assert merged[["lift", "target"]].values.tolist() == [[10.0, "revenue"],
                                                          [5.0, "new_customers"]]  # fmt: skip
    assert merge_lift_tests(None, first.iloc[:0]) is None


def test_the_backtest_refit_leaves_out_a_test_that_starts_after_its_last_day(monkeypatch):
    dates = pd.date_range("2026-09-01", periods=10, freq="D")
    frame = pd.DataFrame({"Meta": np.ones(10), "y": np.arange(10.0)}, index=dates)
    data = ModelInput(frame, "y", ["Meta"], [], [], 1)
    early = {"channel": "Meta", "start": "2026-09-03", "end": "2026-09-05", "lift": 1,
             "standard_error": 1}  # fmt: skip
    late = {**early, "start": "2026-09-09", "end": "2026-09-10"}
    seen = []

    class Recorder:
        def __init__(self, params):
            seen.append(params["lift_tests"])

        def fit(self, x, y):
            return self

        def predict(self, x):
            return np.zeros(len(x))

    monkeypatch.setattr(workflow, "_model", lambda data, params: Recorder(params))
    workflow.backtest(data, {"lift_tests": [early, late]}, holdout_periods=3)
    workflow.backtest(data, {"lift_tests": [late]}, holdout_periods=3)
    assert seen == [[early], None]
