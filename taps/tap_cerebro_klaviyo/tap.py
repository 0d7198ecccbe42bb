"""tap-cerebro-klaviyo: the e-mail events Klaviyo recorded (received, opened, clicked, and the
orders it attributes), each with its profile's id and the hash of its address, so that Cerebro
learns what became of the lists it synced (decision 0065)."""

from __future__ import annotations

import datetime as dt
import functools

from cerebro_tap_kit.clear_errors import ClearErrors
from cerebro_tap_kit.clock import Clock, SystemClock
from cerebro_tap_kit.settings import tenant_id_property
from singer_sdk import Tap
from singer_sdk import typing as th

from tap_cerebro_klaviyo.client import DEFAULT_REVISION, MAX_PAGE_SIZE, KlaviyoStream
from tap_cerebro_klaviyo.streams import EmailEventsStream

#: Klaviyo's own e-mail metrics, and the order its integrations record.
DEFAULT_METRICS = ("Received Email", "Opened Email", "Clicked Email", "Placed Order")


class TapCerebroKlaviyo(ClearErrors, Tap):
    """A Klaviyo account for one tenant."""

    name = "tap-cerebro-klaviyo"
    #: "Now" (the window's end) and waiting (throttling); tests set a fake clock.
    clock: Clock = SystemClock()

    config_jsonschema = th.PropertiesList(
        tenant_id_property(),
        th.Property(
            "api_key", th.StringType, required=True, secret=True,
            description="A private API key (pk_...) with the scopes events:read, metrics:read "
            "and profiles:read.",
        ),
        th.Property(
            "start_date", th.DateTimeType, required=True,
            description="Read events that happened at or after this instant when a metric has "
            "no bookmark.",
        ),
        th.Property(
            "end_date", th.DateTimeType,
            description="Read events that happened before this instant (exclusive). Unset: "
            "settle_minutes before the sync starts.",
        ),
        th.Property(
            "settle_minutes", th.IntegerType(minimum=0), default=60,
            description="Minutes before the sync's start left for the next sync: an event is "
            "recorded a little after it happens, and the bookmark must not pass it.",
        ),
        th.Property(
            "metrics", th.ArrayType(th.StringType), default=list(DEFAULT_METRICS),
            description="Names of the metrics whose events are read (Klaviyo's: Received "
            "Email, Opened Email, Clicked Email; Placed Order from the store's integration).",
        ),
        th.Property(
            "page_size", th.IntegerType(minimum=1, maximum=MAX_PAGE_SIZE),
            default=MAX_PAGE_SIZE,
            description="Events per page (Klaviyo's limit for Get Events, at most 1000).",
        ),
        th.Property(
            "revision", th.StringType, default=DEFAULT_REVISION,
            description="Klaviyo API revision sent with every request: the shapes the tap "
            "reads. Change it only with the tap.",
        ),
        th.Property(
            "base_url", th.StringType,
            description="API origin instead of https://a.klaviyo.com (a proxy or a test "
            "server).",
        ),
    ).to_dict()  # fmt: skip

    @functools.cached_property
    def window_end(self) -> dt.datetime:
        """Exclusive upper bound of the events read: ``end_date``, else ``settle_minutes``
        before the sync began."""
        end = self.config.get("end_date")
        if end:
            parsed = dt.datetime.fromisoformat(str(end))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
        settle = dt.timedelta(minutes=int(self.config.get("settle_minutes", 60)))
        return (self.clock.now().astimezone(dt.UTC) - settle).replace(microsecond=0)

    def discover_streams(self) -> list[KlaviyoStream]:
        """The e-mail events."""
        return [EmailEventsStream(self)]


if __name__ == "__main__":
    TapCerebroKlaviyo.cli()
