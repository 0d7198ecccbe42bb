"""Work spread over spawned processes, as many at once as a memory budget holds.

The budget brain fits one tenant per worker (``tenant_pool.py``). A worker's memory is not its
share of the data: importing JAX and compiling the sampler's loops put a worker at about
1.6 GB at its peak whatever the store's size (two-year, three-channel stores, 2026-11-29; it
gives the memory back after each tenant, ``return_freed_memory``). So the number of
workers follows what they were measured to use, not the cores alone: each item reports its
worker's peak resident memory (``VmHWM``), and no more workers run than the budget holds at
the largest peak seen so far. Idle workers keep their memory, so when the measured peaks
hold another number of workers than are running (fewer, or more than the first estimate
allowed), the pool is replaced once the items under way have finished.

Only the standard library here: the tests' workers import this module without the model.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from ml_assets.mmm.held_interrupts import interrupts_held

#: ``CEREBRO_MMM_MEMORY_MIB``: the resident memory the workers may hold together, in MiB.
MEMORY_VARIABLE = "CEREBRO_MMM_MEMORY_MIB"
#: Without it: this share of the machine's memory (the rest for the warehouse, the step's own
#: process and the other services of the machine).
DEFAULT_MEMORY_SHARE = 0.5
#: A worker's peak before any is measured: the largest seen on the model (see above).
FIRST_ESTIMATE_MIB = 2300


@dataclass
class Finished:
    """One item's result, or the error that ended it, and its worker's peak memory so far."""

    result: Any = None
    error: BaseException | None = None
    peak_mib: int = 0
    #: How many workers the pool that ran it had (what the budget held at the time).
    pool_workers: int = 0


def memory_budget_mib() -> int:
    """``CEREBRO_MMM_MEMORY_MIB``, or ``DEFAULT_MEMORY_SHARE`` of the machine's memory."""
    configured = os.environ.get(MEMORY_VARIABLE, "").strip()
    if configured:
        try:
            budget = int(configured)
        except ValueError:
            budget = 0
        if budget <= 0:
            raise ValueError(
                f"{MEMORY_VARIABLE} must be a whole number of MiB above 0, got {configured!r}"
            )
        return budget
    total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return int(total * DEFAULT_MEMORY_SHARE) // 2**20


def peak_resident_mib() -> int:
    """This process's peak resident memory so far (Linux's ``VmHWM``), in MiB; 0 elsewhere."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0


def return_freed_memory() -> None:
    """Give the C heap's free pages back to the system (glibc's ``malloc_trim``; nothing
    elsewhere). Memory a process frees stays in its heap, resident, until then: after a
    tenant's run and its compiled programs were dropped, a worker still held 1.4-1.9 GB;
    trimmed, about 0.4 GB (2026-11-29)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: its allocator returns memory its own way
        pass


def workers_within(budget_mib: int, peak_mib: int, most: int) -> int:
    """How many workers of ``peak_mib`` each the budget holds: at least one, at most ``most``."""
    return max(1, min(most, budget_mib // max(peak_mib, 1)))


def run_within_memory(
    function: Callable[[Any], Any],
    items: Iterable[Any],
    most_workers: int,
    budget_mib: int,
    first_estimate_mib: int = FIRST_ESTIMATE_MIB,
) -> Iterator[Finished]:
    """``function(item)`` for every item in spawned workers, each ``Finished`` in the items'
    order. ``function`` must be importable by name (a module's top level)."""
    pending = list(enumerate(items))
    pending.reverse()  # popped from the end: the first item first
    finished: dict[int, Finished] = {}
    next_out, peak = 0, 0
    # spawn: a forked copy of a process that has started JAX's thread pools can deadlock.
    context = multiprocessing.get_context("spawn")
    measured = functools.partial(_measured, function)
    while pending:
        size = workers_within(budget_mib, peak or first_estimate_mib, most_workers)
        with ProcessPoolExecutor(max_workers=size, mp_context=context) as pool:
            running: dict[Future, int] = {}
            accepting = True
            while running or (pending and accepting):
                if workers_within(budget_mib, peak or first_estimate_mib, most_workers) != size:
                    # The measured peak holds another number of workers than was estimated:
                    # this pool ends with its items and the next has that number.
                    accepting = False
                while accepting and pending and len(running) < size:
                    index, item = pending.pop()
                    try:
                        with interrupts_held():  # a submit starts a worker if one is missing
                            running[pool.submit(measured, item)] = index
                    except BrokenProcessPool:  # a worker died: the rest go to a new pool
                        pending.append((index, item))
                        accepting = False
                if not running:
                    break
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    index = running.pop(future)
                    try:
                        finished[index] = future.result()
                    except Exception as error:  # its worker died (memory, a signal)
                        finished[index] = Finished(error=error)
                    finished[index].pool_workers = size
                    peak = max(peak, finished[index].peak_mib)
                while next_out in finished:
                    yield finished.pop(next_out)
                    next_out += 1
    while next_out in finished:
        yield finished.pop(next_out)
        next_out += 1


def _measured(function: Callable[[Any], Any], item: Any) -> Finished:
    try:
        result = function(item)
    except Exception as error:
        return Finished(error=error, peak_mib=peak_resident_mib())
    return Finished(result=result, peak_mib=peak_resident_mib())
