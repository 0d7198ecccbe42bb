"""Holidays and commercial events: what the calendar stream lands.

Public holidays come from the ``holidays`` package (Spanish names). Commercial
events follow the rules retailers announce them by; the exact editions vary
year to year, so these are the usual dates, not an official calendar.
"""

from __future__ import annotations

import datetime as dt

import holidays
import pandas as pd

PUBLIC_HOLIDAY = "public_holiday"
COMMERCIAL_EVENT = "commercial_event"


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The n-th (1-based) given weekday (Mon=0) of a month."""
    first = dt.date(year, month, 1)
    offset = (weekday - first.weekday()) % 7
    return first + dt.timedelta(days=offset + 7 * (n - 1))


def _span(start: dt.date, days: int) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range(days)]


def _commercial_event_days(name: str, year: int) -> list[dt.date]:
    monday = 0
    if name == "CyberDay":  # Chile: three days from the first Monday of June
        return _span(_nth_weekday(year, 6, monday, 1), 3)
    if name == "CyberMonday":  # Chile: three days from the first Monday of October
        return _span(_nth_weekday(year, 10, monday, 1), 3)
    if name == "Black Friday":  # the day after the fourth Thursday of November, to Sunday
        return _span(_nth_weekday(year, 11, 3, 4) + dt.timedelta(days=1), 3)
    if name == "Día de la Madre":  # second Sunday of May in Chile and Peru
        return [_nth_weekday(year, 5, 6, 2)]
    if name == "CyberWow":  # Peru: three editions a year, three days each
        return [d for month in (4, 7, 11) for d in _span(_nth_weekday(year, month, monday, 2), 3)]
    raise ValueError(f"unknown commercial event {name!r}")


def calendar_events(
    country_code: str, commercial_events: tuple[str, ...], start: dt.date, end: dt.date
) -> pd.DataFrame:
    """Holidays and commercial events between ``start`` and ``end`` inclusive."""
    years = list(range(start.year, end.year + 1))
    rows = [
        (day, name, PUBLIC_HOLIDAY)
        for day, name in holidays.country_holidays(country_code, years=years, language="es").items()
    ]
    rows += [
        (day, name, COMMERCIAL_EVENT)
        for name in commercial_events
        for year in years
        for day in _commercial_event_days(name, year)
    ]
    events = pd.DataFrame(rows, columns=["event_date", "event_name", "event_type"])
    in_range = (events["event_date"] >= start) & (events["event_date"] <= end)
    return events[in_range].sort_values(["event_date", "event_name"]).reset_index(drop=True)
