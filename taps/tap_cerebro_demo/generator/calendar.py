"""Holidays and commercial events: what the calendar stream lands.

The rules live in tap-cerebro-calendar (``tap_cerebro_calendar.events``), so
that demo tenants and real ones see the same days: public holidays from the
``holidays`` package (Spanish names) and commercial events on the days
retailers usually hold them.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from tap_cerebro_calendar.events import (
    COMMERCIAL_EVENT,
    PUBLIC_HOLIDAY,
    calendar_days,
    named_event,
)

__all__ = ["COMMERCIAL_EVENT", "PUBLIC_HOLIDAY", "calendar_events"]


def calendar_events(
    country_code: str, commercial_events: tuple[str, ...], start: dt.date, end: dt.date
) -> pd.DataFrame:
    """Holidays and the profile's commercial events between ``start`` and ``end`` inclusive."""
    days = calendar_days(country_code, [named_event(n) for n in commercial_events], start, end)
    return pd.DataFrame(days, columns=["event_date", "event_name", "event_type"])
