"""What `cerebro run` prints while it works: one line per platform step, with its time.

A Dagster logger (``progress_logger``) replaces the console logger for the run: the full
event log still goes to the Dagster instance (the UI shows every message), the terminal gets
one line per step, named as the Dagster UI names it, completed with its time when the step
ends. A step adds a short summary to its line with ``note`` (records landed, dbt results,
models fitted); warnings and errors get a line of their own.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    import dagster as dg

#: Marks a step's summary among its log messages (the Dagster UI shows it as it is).
NOTE_PREFIX = "· "
STEP_WIDTH = 30


def counted(number: int, noun: str) -> str:
    """``1 tenant``, ``2 tenants``: a count as `cerebro run`'s lines say it."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def note(context, text: str) -> None:
    """Add ``text`` to the step's line in `cerebro run`'s output (and log it in Dagster)."""
    context.log.info(f"{NOTE_PREFIX}{text}")


class StepLines(logging.Handler):
    """Writes one line per step to ``stream``: its name when it starts (so that a long step
    shows what is running), then its time and notes when it ends."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__(level=logging.DEBUG)  # step events are DEBUG records
        self.stream = stream
        self.started: dict[str, float] = {}
        self.notes: dict[str, list[str]] = {}
        self.open_line: str | None = None  # the step whose line is written but not ended

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None)
        if not meta or not meta.get("step_key"):
            return
        step, event = meta["step_key"], meta.get("dagster_event")
        if event is None:
            message = meta.get("orig_message") or record.getMessage()
            if message.startswith(NOTE_PREFIX):
                self.notes.setdefault(step, []).append(message[len(NOTE_PREFIX) :])
            elif record.levelno >= logging.WARNING:
                self._line(f"  ! {step}: {message}")
            return
        kind = event.event_type_value
        if kind == "STEP_START":
            self.started[step] = time.monotonic()
            self._close()
            self.stream.write(f"  {step:<{STEP_WIDTH}}")
            self.stream.flush()
            self.open_line = step
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE"):
            seconds = time.monotonic() - self.started.get(step, time.monotonic())
            outcome = f"{seconds:6.1f} s" if kind == "STEP_SUCCESS" else "failed"
            notes = "".join(f" · {text}" for text in self.notes.pop(step, []))
            if self.open_line != step:
                self._close()
                self.stream.write(f"  {step:<{STEP_WIDTH}}")
            self.stream.write(f"{outcome}{notes}\n")
            self.stream.flush()
            self.open_line = None

    def _line(self, text: str) -> None:
        self._close()
        self.stream.write(text + "\n")
        self.stream.flush()

    def _close(self) -> None:
        if self.open_line is not None:
            self.stream.write("…\n")
            self.open_line = None


def progress_logger_for(stream: TextIO | None = None) -> dg.LoggerDefinition:
    """A Dagster logger writing ``StepLines`` to ``stream`` (default: stdout as it is now,
    so that a test's captured output or a redirect made later in the run does not move it)."""
    # Imported here: the command line imports this module for `counted`, and Dagster takes
    # half a second to import for the commands that never run it (`cerebro --help`).
    import dagster as dg

    handler = StepLines(stream or sys.stdout)

    @dg.logger(description="One line per step with its time (cerebro run's terminal output).")
    def progress(_init_context) -> logging.Logger:
        logger = logging.Logger("cerebro.progress", level=logging.DEBUG)
        logger.addHandler(handler)
        return logger

    return progress
