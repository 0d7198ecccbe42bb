"""Which local dates a daily, weekly or monthly summary covers, and when each one is due.

A period is an inclusive range of the tenant's local dates (KPIS.md, "Local time"). A report
date ``D`` is a local day that is over; a report covers the last period of its cadence that is
complete by the end of ``D``, and compares it with the period just before:

- **daily**: ``D`` itself, against ``D - 1``.
- **weekly**: the ISO week (Monday to Sunday) ending on the last Sunday on or before ``D``
  (``D`` itself when it is a Sunday), against the seven days before it.
- **monthly**: the last calendar month whose last day is on or before ``D`` (``D``'s own month
  when ``D`` is its last day), against the calendar month before it — each month with its own
  length (28 to 31 days), unlike a dashboard's "previous period of equal length".

The scheduled job reports on a run's partition date ``D`` (the last day landed) and a cadence
is due when ``D + 1`` opens a new period of it: daily every day, weekly when ``D + 1`` is a
Monday, monthly when ``D + 1`` is the 1st. A due report therefore always ends on ``D``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

CADENCES = ("daily", "weekly", "monthly")


class InvalidCadenceError(ValueError):
    """A cadence that is not daily, weekly or monthly."""


def check_cadence(cadence: str) -> str:
    if cadence not in CADENCES:
        raise InvalidCadenceError(f"unknown cadence {cadence!r}; use one of {', '.join(CADENCES)}")
    return cadence


@dataclass(frozen=True)
class ReportPeriod:
    """The period a report covers and the one it is compared with (inclusive local dates)."""

    cadence: str
    start: dt.date
    end: dt.date
    previous_start: dt.date
    previous_end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _last_day_of_month(day: dt.date) -> dt.date:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def report_period(cadence: str, report_date: dt.date) -> ReportPeriod:
    """The last complete ``cadence`` period by the end of ``report_date``, and the one before."""
    check_cadence(cadence)
    if cadence == "daily":
        previous = report_date - dt.timedelta(days=1)
        return ReportPeriod(cadence, report_date, report_date, previous, previous)
    if cadence == "weekly":
        # isoweekday: Monday 1 .. Sunday 7; a Sunday is its own week's end.
        end = report_date - dt.timedelta(days=report_date.isoweekday() % 7)
        start = end - dt.timedelta(days=6)
        return ReportPeriod(
            cadence,
            start,
            end,
            start - dt.timedelta(days=7),
            start - dt.timedelta(days=1),
        )
    if report_date == _last_day_of_month(report_date):
        end = report_date
    else:
        end = _month_start(report_date) - dt.timedelta(days=1)
    start = _month_start(end)
    previous_end = start - dt.timedelta(days=1)
    return ReportPeriod(cadence, start, end, _month_start(previous_end), previous_end)


def due_cadences(partition_date: dt.date) -> list[str]:
    """The cadences whose report is due after the run that landed ``partition_date``."""
    following = partition_date + dt.timedelta(days=1)
    due = ["daily"]
    if following.isoweekday() == 1:
        due.append("weekly")
    if following.day == 1:
        due.append("monthly")
    return due
