"""The calendar days of the daily partitions: which day is over or under way in a tenant's
timezone, and the first day a deployment has partitions for (decision 0035).

Kept apart from ``partitions.py``, which builds the partitions definition when imported: the
platform runner works out its days, and records the first one, before anything imports it.

**Where the partitions begin.** History before a deployment's first run is built by that run
(a new warehouse builds every incremental model whole), not by one run per day, so it has no
partitions: Dagster would list every earlier day as "Missing" and offer to backfill years that
are already built. The daily dimension begins at, in order:

1. ``CEREBRO_PARTITIONS_START`` (an operator's date, e.g. the go-live day; set it earlier
   before backfilling days older than the first run);
2. the first day the deployment's first run covered, recorded in its Dagster home
   (``record_partitions_start``), which ``dagster dev`` and every later run read there;
3. ``FALLBACK_START``, for definitions loaded without either (tests, a fresh checkout).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path
from zoneinfo import ZoneInfo

from cerebro.settings import SettingsError

#: The schedules' timezone, which also places the daily partitions' boundaries; a date key is
#: read in each tenant's own timezone.
SCHEDULE_TIMEZONE = "America/Santiago"
START_ENV = "CEREBRO_PARTITIONS_START"
#: The file in the Dagster home holding the first run's first day (ISO date).
START_FILE = "cerebro_partitions_start"
FALLBACK_START = "2024-01-01"


def last_complete_day(timezone: str, now: dt.datetime) -> dt.date:
    """The latest local calendar day that is over at ``now`` in ``timezone`` (yesterday there)."""
    return now.astimezone(ZoneInfo(timezone)).date() - dt.timedelta(days=1)


def current_day(timezone: str, now: dt.datetime) -> dt.date:
    """The local calendar day under way at ``now`` in ``timezone`` (today there)."""
    return now.astimezone(ZoneInfo(timezone)).date()


def hourly_day(timezone: str, now: dt.datetime) -> dt.date:
    """The day an hourly run refreshes: today in the tenant's timezone, but never past today
    in Santiago, the partitions' last day. East of Santiago, between the tenant's midnight and
    Santiago's (Madrid's first four or five hours), it finishes the day that just ended."""
    return min(current_day(timezone, now), current_day(SCHEDULE_TIMEZONE, now))


def partitions_start(environ: Mapping[str, str] = os.environ) -> str:
    """The first day of the daily partitions (the module docstring's order), as an ISO date."""
    if environ.get(START_ENV):
        return _iso_date(environ[START_ENV], START_ENV)
    home = environ.get("DAGSTER_HOME")
    recorded = Path(home) / START_FILE if home else None
    if recorded is not None and recorded.is_file():
        return _iso_date(recorded.read_text(encoding="utf-8").strip(), str(recorded))
    return FALLBACK_START


def record_partitions_start(home: Path, first_day: dt.date) -> dt.date:
    """The deployment's first partition day, recorded in ``home`` on its first run.

    The first run records ``first_day`` (unless ``CEREBRO_PARTITIONS_START`` says otherwise);
    later runs read it. Exported as ``CEREBRO_PARTITIONS_START`` for this process, so that the
    definitions imported afterwards agree with the file. A run asking for a day before it is
    refused (``SettingsError``, a one-line message).
    """
    path = home / START_FILE
    if not os.environ.get(START_ENV) and not path.exists():
        staged = path.with_name(f"{START_FILE}.staged")
        staged.write_text(first_day.isoformat() + "\n", encoding="utf-8")
        os.replace(staged, path)  # whole or absent: a reader never sees half a date
    start = dt.date.fromisoformat(partitions_start({**os.environ, "DAGSTER_HOME": str(home)}))
    os.environ[START_ENV] = start.isoformat()
    if first_day < start:
        raise SettingsError(
            f"{first_day} is before {start}, the first day this deployment has partitions for "
            f"(its first run; {START_ENV} sets an earlier one for a backfill)"
        )
    return start


def _iso_date(value: str, where: str) -> str:
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise SettingsError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None
