"""How the platform benchmark times a piece of work inside a process, and summarizes latencies.

- ``timed_repeats`` runs a function several times and keeps each run's wall and CPU seconds:
  the issue's rule is a median of at least three runs where one run takes under a minute, so
  repeating stops after a run longer than ``max_repeat_seconds``;
- CPU seconds are the process's own plus those of its children that have exited (the
  demo generator's worker processes, a Singer tap and target);
- ``percentile`` is the nearest-rank percentile (the smallest value with at least q % of the
  values at or below it), which never interpolates beyond what was observed: with ten runs,
  p95 is the slowest. p50 is reported as the median (the mean of the two middle values of an
  even count), as for the other stages.
"""

from __future__ import annotations

import math
import resource
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

#: One run longer than this, and the stage is not repeated (the issue's one-minute rule).
MAX_REPEAT_SECONDS = 60.0

T = TypeVar("T")


def cpu_seconds() -> float:
    """User + system CPU seconds of this process and of its children reaped so far."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@dataclass
class Timing:
    """Wall and CPU seconds of each run of one piece of work."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    @property
    def repeats(self) -> int:
        return len(self.wall)

    def summary(self) -> dict:
        return {
            "wall_seconds": statistics.median(self.wall),
            "cpu_seconds": statistics.median(self.cpu),
            "wall_seconds_each": [round(w, 4) for w in self.wall],
            "repeats": self.repeats,
        }


def timed_repeats(
    work: Callable[[], T],
    repeats: int,
    *,
    max_repeat_seconds: float = MAX_REPEAT_SECONDS,
    before_each: Callable[[], None] | None = None,
) -> tuple[T, Timing]:
    """Run ``work`` up to ``repeats`` times (at least once), stopping after a run that took
    longer than ``max_repeat_seconds``; ``before_each`` (untimed) resets what a run changes.
    Returns the last run's result and every run's timing."""
    timing = Timing()
    result = None
    for _ in range(max(repeats, 1)):
        if before_each is not None:
            before_each()
        cpu_started, started = cpu_seconds(), time.perf_counter()
        result = work()
        timing.wall.append(time.perf_counter() - started)
        timing.cpu.append(cpu_seconds() - cpu_started)
        if timing.wall[-1] > max_repeat_seconds:
            break
    return result, timing


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile: the ceil(q/100 * n)-th smallest value (q in (0, 100])."""
    if not values:
        raise ValueError("a percentile needs at least one value")
    if not 0 < q <= 100:
        raise ValueError(f"q must be in (0, 100], got {q}")
    ordered = sorted(values)
    return ordered[max(math.ceil(q / 100 * len(ordered)), 1) - 1]


def latency_summary(seconds: Sequence[float]) -> dict:
    """p50 (median), p95 (nearest rank) and the slowest of repeated executions."""
    return {
        "p50_seconds": statistics.median(seconds),
        "p95_seconds": percentile(seconds, 95),
        "max_seconds": max(seconds),
        "executions": len(seconds),
    }


def repeated_latencies(
    run: Callable[[], object], repeats: int, *, budget_seconds: float, minimum: int = 3
) -> tuple[float, list[float]]:
    """One untimed-for-the-percentiles warm-up run (its seconds are returned as the cold
    latency), then up to ``repeats`` timed runs, stopping once they have used
    ``budget_seconds`` and at least ``minimum`` ran (a slow query is not run 20 times)."""
    started = time.perf_counter()
    run()
    cold = time.perf_counter() - started
    seconds: list[float] = []
    while len(seconds) < max(repeats, 1):
        started = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - started)
        if len(seconds) >= min(minimum, repeats) and sum(seconds) >= budget_seconds:
            break
    return cold, seconds
