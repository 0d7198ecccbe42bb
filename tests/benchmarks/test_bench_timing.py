"""The platform benchmark's timing helpers, against hand-worked values."""

from __future__ import annotations

import pytest

from benchmarks.bench_timing import (
    latency_summary,
    percentile,
    repeated_latencies,
    timed_repeats,
)


def test_percentile_is_the_nearest_rank_never_an_interpolation():
    values = [0.5, 0.1, 0.3, 0.2, 0.4]  # sorted: 0.1 0.2 0.3 0.4 0.5

    assert percentile(values, 50) == 0.3  # ceil(0.50 x 5) = 3rd
    assert percentile(values, 95) == 0.5  # ceil(0.95 x 5) = 5th: the slowest
    assert percentile(values, 20) == 0.1  # ceil(0.20 x 5) = 1st
    assert percentile(values, 21) == 0.2  # ceil(1.05) = 2nd
    assert percentile(list(range(1, 21)), 95) == 19  # ceil(19.0) = 19th of 20
    assert percentile([7.0], 95) == 7.0


def test_percentile_refuses_what_it_cannot_answer():
    with pytest.raises(ValueError, match="at least one value"):
        percentile([], 50)
    with pytest.raises(ValueError, match=r"q must be in \(0, 100\]"):
        percentile([1.0], 0)


def test_latency_summary_reports_the_median_as_p50_and_the_nearest_rank_p95():
    summary = latency_summary([0.4, 0.1, 0.3, 0.2])

    assert summary == {
        "p50_seconds": 0.25,  # (0.2 + 0.3) / 2
        "p95_seconds": 0.4,  # ceil(0.95 x 4) = 4th
        "max_seconds": 0.4,
        "executions": 4,
    }


def test_timed_repeats_runs_the_requested_times_with_a_reset_before_each():
    calls = []

    result, timing = timed_repeats(
        lambda: calls.append("work") or len(calls),
        3,
        before_each=lambda: calls.append("reset"),
    )

    assert calls == ["reset", "work"] * 3
    assert result == 6  # the last run's result
    assert timing.repeats == 3 and len(timing.cpu) == 3
    summary = timing.summary()
    assert summary["repeats"] == 3 and summary["wall_seconds"] >= 0
    assert summary["wall_seconds_each"] == [round(w, 4) for w in timing.wall]


def test_a_run_longer_than_the_limit_is_not_repeated():
    runs = []

    _, timing = timed_repeats(lambda: runs.append(1), 3, max_repeat_seconds=0.0)

    assert len(runs) == 1 and timing.repeats == 1


def test_repeated_latencies_runs_once_cold_then_until_the_budget_is_used():
    calls = []

    cold, seconds = repeated_latencies(lambda: calls.append(1), 10, budget_seconds=0.0)

    # One cold run, then the minimum of three once the (zero) budget is spent.
    assert len(calls) == 4 and len(seconds) == 3 and cold >= 0

    calls.clear()
    _, seconds = repeated_latencies(lambda: calls.append(1), 5, budget_seconds=3600.0)
    assert len(calls) == 6 and len(seconds) == 5

    calls.clear()
    _, seconds = repeated_latencies(lambda: calls.append(1), 1, budget_seconds=0.0)
    assert len(calls) == 2 and len(seconds) == 1  # fewer repeats than the minimum asked
