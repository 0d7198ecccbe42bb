"""Time as a tap sees it: the current instant and waiting, behind one small interface.

Taps read "today" (in an account's timezone) and wait out throttling through a
``Clock``. Production uses the system clock; tests swap in a fake one, so they
never sleep and never depend on the day they run.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Protocol


class Clock(Protocol):
    """The two things a tap needs from time."""

    def now(self) -> dt.datetime:
        """The current instant, timezone-aware."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` before going on."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> dt.datetime:
        """The current instant in UTC."""
        return dt.datetime.now(dt.UTC)

    def sleep(self, seconds: float) -> None:
        """Block for ``seconds``."""
        time.sleep(seconds)
