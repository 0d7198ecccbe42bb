"""The budget brain's workers as many as their measured memory allows (memory_pool.py), with
real spawned processes that hold a chosen amount of memory: which items ran at the same time
is read from the times each worker recorded, and the peaks from the workers themselves."""

from __future__ import annotations

import os
import time

import pytest

from ml_assets.mmm.memory_pool import (
    MEMORY_VARIABLE,
    memory_budget_mib,
    peak_resident_mib,
    run_within_memory,
)


def hold(item: tuple[int, float]) -> tuple[int, float, float]:
    """Hold ``mib`` MiB (every page written) for ``seconds``; the process and its times."""
    mib, seconds = item
    if mib < 0:
        raise RuntimeError("no such amount")
    started = time.monotonic()
    block = bytearray(b"\x01") * (mib * 2**20)
    time.sleep(seconds)
    del block
    return os.getpid(), started, time.monotonic()


def _most_at_once(spans: list[tuple[float, float]]) -> int:
    edges = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    running = most = 0
    for _, change in edges:
        running += change
        most = max(most, running)
    return most


def test_workers_run_side_by_side_while_the_budget_holds_their_peaks():
    items = [(40, 0.8)] * 4
    finished = list(run_within_memory(hold, items, 2, budget_mib=4000, first_estimate_mib=100))
    assert all(f.error is None for f in finished)
    spans = [(f.result[1], f.result[2]) for f in finished]
    assert _most_at_once(spans) == 2
    assert min(f.peak_mib for f in finished) >= 40


def test_once_the_peaks_are_measured_above_the_budget_the_rest_run_one_at_a_time():
    # The estimate lets two start; each then peaks above the whole budget of 300 MiB.
    items = [(350, 0.6)] * 5
    finished = list(run_within_memory(hold, items, 2, budget_mib=300, first_estimate_mib=100))
    assert all(f.error is None for f in finished)
    assert all(f.peak_mib >= 350 for f in finished)
    first_two = [(f.result[1], f.result[2]) for f in finished[:2]]
    assert _most_at_once(first_two) == 2
    later = [(f.result[1], f.result[2]) for f in finished[2:]]
    assert _most_at_once(later) == 1
    # Every later item started after the first two had ended: none ran beside them.
    assert min(start for start, _ in later) >= max(end for _, end in first_two)
    # Each says the size of the pool it ran in, as the benchmark reports the workers.
    assert [f.pool_workers for f in finished] == [2, 2, 1, 1, 1]


def test_a_first_estimate_above_the_measured_peak_gives_way_to_more_workers():
    items = [(30, 0.6)] * 5
    # The estimate holds one worker; each measures about 50 MiB, and the budget holds two.
    finished = list(run_within_memory(hold, items, 2, budget_mib=150, first_estimate_mib=100))
    assert all(f.error is None and f.peak_mib < 75 for f in finished)
    assert finished[0].result[2] <= min(f.result[1] for f in finished[1:])  # the first alone
    assert _most_at_once([(f.result[1], f.result[2]) for f in finished[1:]]) == 2


def test_results_come_back_in_the_items_order_with_each_failure_in_its_place():
    items = [(10, 0.5), (-1, 0.0), (10, 0.0)]
    finished = list(run_within_memory(hold, items, 2, budget_mib=4000, first_estimate_mib=50))
    assert finished[0].error is None and finished[2].error is None
    assert isinstance(finished[1].error, RuntimeError)
    assert "no such amount" in str(finished[1].error)


def test_the_budget_comes_from_the_environment_or_half_the_machine(monkeypatch):
    monkeypatch.setenv(MEMORY_VARIABLE, "3072")
    assert memory_budget_mib() == 3072
    monkeypatch.setenv(MEMORY_VARIABLE, "tres gigas")
    with pytest.raises(ValueError, match=f"{MEMORY_VARIABLE} must be a whole number of MiB"):
        memory_budget_mib()
    monkeypatch.delenv(MEMORY_VARIABLE)
    with open("/proc/meminfo", encoding="ascii") as meminfo:
        total_mib = int(meminfo.readline().split()[1]) // 1024
    assert abs(memory_budget_mib() - total_mib / 2) <= 1


def test_this_process_peak_is_at_least_what_it_holds_now():
    block = bytearray(b"\x01") * (64 * 2**20)
    assert peak_resident_mib() >= 64
    del block
