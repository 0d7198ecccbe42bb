"""A helper process that runs one fit beside this process's, each on a core of its own.

A fit samples its chains one after the other on one core (``posterior.py``), and numpyro traces
models through one process-wide stack of effect handlers, so two fits cannot share a process
through threads: the second core needs a second process. The helper is *spawned* (a forked
copy of a process that has started JAX's thread pools can deadlock) once, and kept, so its
compiled samplers serve the next fit as well.

It is left out where it cannot help or could outlive its parent: on one core, in any process
that ``multiprocessing`` started (a pool's worker: ``tenant_pool`` already gives every core a
tenant, and such a worker ends without the interpreter's exit handlers, so it would wait
forever for a helper that nobody tells to stop), and when ``CEREBRO_MMM_SIDE_PROCESS=0``; the
work then runs in this process.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from ml_assets.mmm.held_interrupts import interrupts_held

#: ``CEREBRO_MMM_SIDE_PROCESS=0`` keeps all of a fit in this process.
SIDE_PROCESS_VARIABLE = "CEREBRO_MMM_SIDE_PROCESS"


def usable_cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def side_process_allowed() -> bool:
    """Whether ``run_beside`` uses the helper process (see the module docstring)."""
    if os.environ.get(SIDE_PROCESS_VARIABLE, "").strip() == "0":
        return False
    if multiprocessing.parent_process() is not None:
        return False
    return usable_cores() >= 2


@functools.cache
def _helper() -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))


class Beside:
    """``function(*args)`` started in the helper process, or to be run here at ``result``."""

    def __init__(self, function: Callable, *args):
        self.function, self.args = function, args
        self.future: Future | None = None
        if side_process_allowed():
            with interrupts_held():  # the first call starts the helper
                self.future = _helper().submit(function, *args)

    def result(self):
        """The function's value (its exception, raised here). A helper that died (killed, out
        of memory) is replaced for the next call, and this call runs the work here."""
        if self.future is None:
            return self.function(*self.args)
        try:
            return self.future.result()
        except BrokenProcessPool:
            _helper.cache_clear()
            return self.function(*self.args)
