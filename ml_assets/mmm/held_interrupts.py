"""Ctrl-C and SIGTERM held back while a worker process is being started.

``multiprocessing`` starts a *spawned* process in two steps: it executes a fresh interpreter,
then writes that interpreter's start-up data (what to import, what to run) into a pipe the
child is already reading. A Ctrl-C or SIGTERM that reaches the parent between the two raises
``KeyboardInterrupt`` there, the data is never written, and the child finds an empty pipe and
prints ``EOFError: Ran out of input`` with a traceback under the command's one-line message.
Held back for the few milliseconds of a start, the signal is handled as soon as it ends, by the
handler that was there before.

The callers hold it around a pool's whole ``submit``, not around the process's start alone (a
``Process.start`` wrapped in a spawn context of our own): stopped right after the start, the
pool is left half set up, this process exits and removes the pool's queue semaphores before
the child has read them, and the child prints ``FileNotFoundError`` instead (tried,
test_held_interrupts.py fails that way).

Only the standard library here: the worker pools import it without the model.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

#: The signals that stop a command (``cerebro.interrupts`` handles SIGTERM as Ctrl-C).
STOPPING_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def interrupts_held() -> Iterator[None]:
    """While the block runs, a stopping signal is noted instead of handled; at its end each
    noted signal is raised again, once, for the handler that was in place before."""
    if threading.current_thread() is not threading.main_thread():
        yield  # handlers belong to the main thread, which is where the signal is handled
        return
    noted: list[int] = []

    def note(signum, _frame) -> None:
        if signum not in noted:
            noted.append(signum)

    previous = {}
    for number in STOPPING_SIGNALS:
        handler = signal.getsignal(number)
        if handler is None:  # installed outside Python: it could not be put back
            continue
        previous[number] = signal.signal(number, note)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        for number in noted:
            signal.raise_signal(number)
