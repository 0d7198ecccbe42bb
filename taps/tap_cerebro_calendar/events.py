"""Public holidays and commercial events: the rules, and the days they fall on.

Public holidays come from the ``holidays`` package (in Spanish by default, any
country and subdivision it knows). Commercial events follow the rules
retailers announce them by; editions move year to year, so a rule gives the
usual days and explicit ``dates`` override it for the years they cover. The
demo generator draws its calendar from here too, so demo and real tenants see
the same days.
"""

from __future__ import annotations

import datetime as dt
import typing as t
from dataclasses import dataclass, field

import holidays

PUBLIC_HOLIDAY = "public_holiday"
COMMERCIAL_EVENT = "commercial_event"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONDAY, THURSDAY, SUNDAY = 0, 3, 6


class CalendarConfigError(ValueError):
    """A commercial event is configured wrongly; the message says which and how."""


@dataclass(frozen=True)
class DateRule:
    """A yearly run of ``days`` days: from a fixed day, or from the ``nth`` weekday of a month.

    ``offset_days`` moves the start (Black Friday: the day after the fourth Thursday).
    """

    month: int
    day: int | None = None
    weekday: int | None = None
    nth: int = 1
    offset_days: int = 0
    days: int = 1

    def dates(self, year: int) -> list[dt.date]:
        """The rule's days in ``year``."""
        if self.day is not None:
            start = dt.date(year, self.month, self.day)
        else:
            first = dt.date(year, self.month, 1)
            to_weekday = (self.weekday - first.weekday()) % 7
            start = first + dt.timedelta(days=to_weekday + 7 * (self.nth - 1))
        start += dt.timedelta(days=self.offset_days)
        return [start + dt.timedelta(days=k) for k in range(self.days)]

    @classmethod
    def from_config(cls, spec: t.Mapping[str, t.Any], where: str) -> DateRule:
        """A rule from ``{"month": 6, "weekday": "monday", "nth": 1, "days": 3}`` or
        ``{"month": 12, "day": 1, "days": 24}``."""
        unknown = set(spec) - {"month", "day", "weekday", "nth", "offset_days", "days"}
        if unknown:
            raise CalendarConfigError(f"{where}: unknown rule keys {sorted(unknown)}")
        if ("day" in spec) == ("weekday" in spec):
            raise CalendarConfigError(f"{where}: a rule needs either 'day' or 'weekday'")
        weekday = spec.get("weekday")
        if weekday is not None and str(weekday).lower() not in WEEKDAYS:
            raise CalendarConfigError(f"{where}: weekday must be one of {list(WEEKDAYS)}")
        rule = cls(
            month=int(spec.get("month", 0)),
            day=spec.get("day"),
            weekday=None if weekday is None else WEEKDAYS.index(str(weekday).lower()),
            nth=int(spec.get("nth", 1)),
            offset_days=int(spec.get("offset_days", 0)),
            days=int(spec.get("days", 1)),
        )
        if not 1 <= rule.month <= 12 or not 1 <= rule.nth <= 5 or rule.days < 1:
            raise CalendarConfigError(f"{where}: month 1-12, nth 1-5, days >= 1: {dict(spec)}")
        try:
            rule.dates(2024)
        except ValueError as error:  # e.g. 31 of a 30-day month
            raise CalendarConfigError(f"{where}: {error}") from error
        return rule


@dataclass(frozen=True)
class CommercialEvent:
    """A named event: its rules, and explicit dates that replace them in their years."""

    name: str
    rules: tuple[DateRule, ...] = ()
    dates: tuple[dt.date, ...] = field(default=())

    def days_in(self, year: int) -> list[dt.date]:
        """The event's days in ``year``: the explicit dates of that year if any, else the rules'."""
        explicit = [d for d in self.dates if d.year == year]
        return explicit or [d for rule in self.rules for d in rule.dates(year)]


# The usual editions (Cámara de Comercio de Santiago for CyberDay and CyberMonday,
# Cámara de Comercio de Lima for CyberWow); pin official dates with "dates".
COMMERCIAL_EVENT_RULES: dict[str, tuple[DateRule, ...]] = {
    "CyberDay": (DateRule(month=6, weekday=MONDAY, nth=1, days=3),),
    "CyberMonday": (DateRule(month=10, weekday=MONDAY, nth=1, days=3),),
    "Black Friday": (DateRule(month=11, weekday=THURSDAY, nth=4, offset_days=1, days=3),),
    "Día de la Madre": (DateRule(month=5, weekday=SUNDAY, nth=2),),
    "Día del Padre": (DateRule(month=6, weekday=SUNDAY, nth=3),),
    # The Christmas shopping season, up to Christmas Eve (the 25th is a public holiday).
    "Navidad": (DateRule(month=12, day=1, days=24),),
    "CyberWow": tuple(DateRule(month=m, weekday=MONDAY, nth=2, days=3) for m in (4, 7, 11)),
}
DEFAULT_COMMERCIAL_EVENTS: dict[str, tuple[str, ...]] = {
    "CL": (
        "CyberDay",
        "CyberMonday",
        "Black Friday",
        "Día de la Madre",
        "Día del Padre",
        "Navidad",
    ),
    "PE": ("CyberWow", "Black Friday", "Día de la Madre", "Día del Padre", "Navidad"),
}


def named_event(name: str) -> CommercialEvent:
    """A commercial event of the built-in rules, by name."""
    if name not in COMMERCIAL_EVENT_RULES:
        raise CalendarConfigError(
            f"unknown commercial event {name!r}: give it a 'rule' or 'dates', or use one of "
            f"{sorted(COMMERCIAL_EVENT_RULES)}"
        )
    return CommercialEvent(name, COMMERCIAL_EVENT_RULES[name])


def events_from_config(
    country_code: str, entries: list[t.Mapping[str, t.Any]], *, include_defaults: bool
) -> list[CommercialEvent]:
    """The country's default events (if wanted) with the configured ones added or replacing them.

    An entry is ``{"name": ...}`` plus a ``rule`` (or ``rules``) and/or ``dates``; a
    name of the built-in rules needs neither. Explicit dates win in their years.
    """
    events = {}
    if include_defaults:
        events = {n: named_event(n) for n in DEFAULT_COMMERCIAL_EVENTS.get(country_code, ())}
    for index, entry in enumerate(entries):
        name = str(entry.get("name") or "").strip()
        where = f"commercial_events[{index}] ({name or 'no name'})"
        if not name:
            raise CalendarConfigError(f"{where}: 'name' is required")
        specs = entry.get("rules") or ([entry["rule"]] if entry.get("rule") else [])
        rules = tuple(DateRule.from_config(spec, where) for spec in specs)
        try:
            dates = tuple(dt.date.fromisoformat(str(d)) for d in entry.get("dates") or ())
        except ValueError as error:
            raise CalendarConfigError(f"{where}: dates must be YYYY-MM-DD ({error})") from error
        if not rules:
            rules = named_event(name).rules if name in COMMERCIAL_EVENT_RULES or not dates else ()
        events[name] = CommercialEvent(name, rules, dates)
    return list(events.values())


def public_holidays(
    country_code: str, years: list[int], *, subdivision: str | None = None, language: str = "es"
) -> list[tuple[dt.date, str]]:
    """(day, name) of every public holiday of the country (and subdivision) in ``years``."""
    calendar = holidays.country_holidays(
        country_code, subdiv=subdivision, years=years, language=language
    )
    return sorted(calendar.items())


def calendar_days(
    country_code: str,
    events: list[CommercialEvent],
    start: dt.date,
    end: dt.date,
    *,
    subdivision: str | None = None,
    language: str = "es",
) -> list[tuple[dt.date, str, str]]:
    """(day, name, type) from ``start`` to ``end`` inclusive, sorted.

    A day and name that are both a holiday and a commercial event are the holiday.
    """
    years = list(range(start.year, end.year + 1))
    rows = {
        (day, name): PUBLIC_HOLIDAY
        for day, name in public_holidays(
            country_code, years, subdivision=subdivision, language=language
        )
    }
    for event in events:
        for year in years:
            for day in event.days_in(year):
                rows.setdefault((day, event.name), COMMERCIAL_EVENT)
    return sorted((day, name, kind) for (day, name), kind in rows.items() if start <= day <= end)
