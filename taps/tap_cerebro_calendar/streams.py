"""The calendar stream: one row per event day, in Cerebro's raw contract."""

from __future__ import annotations

import datetime as dt
import typing as t

from cerebro_tap_kit.contract_stream import ContractStream
from singer_sdk import Stream

from tap_cerebro_calendar.events import calendar_days, events_from_config


class EventsStream(ContractStream, Stream):
    """Public holidays and commercial event days of the tenant's country.

    Full table: every run emits the whole range (a few dozen rows a year), so a
    corrected rule or a newly decreed holiday reaches the warehouse on the next
    run; the target upserts on the primary key.
    """

    source = "calendar"
    name = "events"
    full_table = True

    def date_range(self) -> tuple[dt.date, dt.date]:
        """From ``start_date`` to the end of the year ``years_ahead`` years from now."""
        today = self._tap.clock.now().date()
        start = self.config.get("start_date")
        first = dt.date.fromisoformat(str(start)[:10]) if start else dt.date(today.year - 2, 1, 1)
        return first, dt.date(today.year + int(self.config.get("years_ahead", 1)), 12, 31)

    def get_records(self, context: dict | None) -> t.Iterable[dict]:
        """Every event day of the range, sorted by day and name."""
        country = self.config.get("country_code", "CL").upper()
        events = events_from_config(
            country,
            self.config.get("commercial_events") or [],
            include_defaults=self.config.get("include_default_events", True),
        )
        first, last = self.date_range()
        for day, name, kind in calendar_days(
            country,
            events,
            first,
            last,
            subdivision=self.config.get("subdivision"),
            language=self.config.get("language", "es"),
        ):
            yield {
                "tenant_id": self.config["tenant_id"],
                "country_code": country,
                "event_date": day.isoformat(),
                "event_name": name,
                "event_type": kind,
            }


STREAM_TYPES = (EventsStream,)
