"""What one run of the whole platform reports: the platform runner
(``orchestration/platform.py``) returns it and the run summary (``cerebro/serving/summary.py``)
prints it.

On the ground floor, plain data, so that the summary reads it without importing the runner,
which wires every floor of the library (decision 0056).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class PlatformRun:
    success: bool
    seconds: float
    materialized: list[str]  # asset keys, "/"-joined
    checks_passed: int
    checks_failed: list[str]  # checks of severity ERROR that did not pass
    dagster_home: Path
    error: str | None = None
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    #: Stopped by Ctrl-C or SIGTERM (Dagster ends the running steps and records the run).
    interrupted: bool = False
    #: Checks of severity WARN that did not pass: worth a look, not a failed run.
    checks_warned: list[str] = field(default_factory=list)
