"""tap-cerebro-calendar: a country's public holidays and commercial events, per tenant.

Rows land in ``raw_calendar.events`` with the shape the demo tap fixes
(docs/decisions/0002), so the MMM and the dashboards know which days are
holidays (quiet) and which are CyberDay or Black Friday (busy).
"""

from __future__ import annotations

from cerebro_tap_kit.clear_errors import ClearErrors
from cerebro_tap_kit.clock import Clock, SystemClock
from cerebro_tap_kit.settings import tenant_id_property
from singer_sdk import Tap
from singer_sdk import typing as th

from tap_cerebro_calendar.events import (
    COMMERCIAL_EVENT_RULES,
    CalendarConfigError,
    events_from_config,
)
from tap_cerebro_calendar.streams import STREAM_TYPES

RULE = th.ObjectType(
    th.Property("month", th.IntegerType, required=True, description="Month, 1-12."),
    th.Property("day", th.IntegerType, description="Fixed day of the month (or use weekday)."),
    th.Property("weekday", th.StringType, description="monday ... sunday (with nth)."),
    th.Property("nth", th.IntegerType, description="Which weekday of the month, 1-5."),
    th.Property("offset_days", th.IntegerType, description="Days to move the start by."),
    th.Property("days", th.IntegerType, description="Length of the event in days (default 1)."),
)


class TapCerebroCalendar(ClearErrors, Tap):
    """Holidays and commercial events for one tenant."""

    name = "tap-cerebro-calendar"
    # A wrongly configured event is one line on the command line, not a traceback.
    clear_errors = (CalendarConfigError,)
    # Tests replace it with a fake clock, which fixes "this year".
    clock: Clock = SystemClock()

    config_jsonschema = th.PropertiesList(
        tenant_id_property(),
        th.Property(
            "country_code", th.StringType, default="CL",
            description="ISO 3166 country whose public holidays are read (holidays package).",
        ),
        th.Property(
            "subdivision", th.StringType,
            description="Region for regional holidays, as the holidays package names it "
            "(Chile: AP for Arica y Parinacota, ...).",
        ),
        th.Property(
            "language", th.StringType, default="es",
            description="Language of holiday names (falls back to the country's own).",
        ),
        th.Property(
            "start_date", th.DateType,
            description="First day; default 1 January two years ago.",
        ),
        th.Property(
            "years_ahead", th.IntegerType, default=1,
            description="Also emit this many future years (for planning and forecasts).",
        ),
        th.Property(
            "include_default_events", th.BooleanType, default=True,
            description="Include the country's usual commercial events (Chile: CyberDay, "
            "CyberMonday, Black Friday, Día de la Madre, Día del Padre, Navidad).",
        ),
        th.Property(
            "commercial_events",
            th.ArrayType(
                th.ObjectType(
                    th.Property("name", th.StringType, required=True),
                    th.Property("rule", RULE),
                    th.Property("rules", th.ArrayType(RULE)),
                    th.Property("dates", th.ArrayType(th.DateType)),
                )
            ),
            default=[],
            description="Events to add, or to override by name: a rule, explicit dates "
            "(they win in their years), or just a built-in name: "
            f"{', '.join(sorted(COMMERCIAL_EVENT_RULES))}.",
        ),
    ).to_dict()  # fmt: skip

    def discover_streams(self) -> list:
        """The events stream, after checking the configured events make sense."""
        try:
            events_from_config(
                str(self.config.get("country_code", "CL")).upper(),
                self.config.get("commercial_events") or [],
                include_defaults=self.config.get("include_default_events", True),
            )
        except CalendarConfigError as error:
            raise CalendarConfigError(f"tap-cerebro-calendar config: {error}") from None
        return [stream(tap=self) for stream in STREAM_TYPES]


if __name__ == "__main__":
    TapCerebroCalendar.cli()
