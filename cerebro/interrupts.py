"""SIGTERM handled as Ctrl-C: ``kill``, ``docker stop``, systemd and CI runners stop a command
with SIGTERM, whose default ends the process on the spot (no message, Dagster's run left
STARTED). Instead it goes through the same path as Ctrl-C: the current SIGINT handler (Python's,
or Dagster's while a run executes, which stops the run at its next safe point and records it),
then one ``Error:`` line from the command line."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

import click

#: The shell's convention for a process ended by SIGINT (128 + 2).
INTERRUPTED_EXIT_CODE = 130


class Interrupted(click.ClickException):
    """The command was stopped by Ctrl-C or SIGTERM: one line, exit code 130."""

    exit_code = INTERRUPTED_EXIT_CODE

    def __init__(self) -> None:
        super().__init__(
            "stopped by Ctrl-C or SIGTERM before the end; what finished is kept: run the same "
            "command again to finish"
        )


def _as_ctrl_c(signum, frame) -> None:
    handler = signal.getsignal(signal.SIGINT)
    if callable(handler):
        handler(signal.SIGINT, frame)
    else:  # SIG_IGN or SIG_DFL set by whoever started us: stop as Ctrl-C would by default
        raise KeyboardInterrupt


@contextlib.contextmanager
def sigterm_as_ctrl_c() -> Iterator[None]:
    """While the block runs, SIGTERM does what Ctrl-C does, and either ends the command with
    one line (exit code 130) instead of a traceback or click's bare "Aborted!"."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers belong to the main thread (a test runner's worker may call us)
        return
    previous = signal.signal(signal.SIGTERM, _as_ctrl_c)
    try:
        yield
    except KeyboardInterrupt as error:
        raise Interrupted() from error
    finally:
        signal.signal(signal.SIGTERM, previous)
