"""tap-cerebro-whatsapp: the status of each WhatsApp message (sent, delivered, read, failed)
as Meta's webhooks reported it, read from the receiver's spool (decision 0066), so that each
activation learns what became of the messages it sent."""

from __future__ import annotations

import datetime as dt
import functools

from cerebro_tap_kit.clear_errors import ClearErrors
from cerebro_tap_kit.clock import Clock, SystemClock
from cerebro_tap_kit.settings import tenant_id_property
from singer_sdk import Stream, Tap
from singer_sdk import typing as th

from tap_cerebro_whatsapp.streams import MessageStatusesStream


class TapCerebroWhatsApp(ClearErrors, Tap):
    """One tenant's spool of WhatsApp status notifications."""

    name = "tap-cerebro-whatsapp"
    #: "Now" (the settle window's end); tests set a fake clock.
    clock: Clock = SystemClock()

    config_jsonschema = th.PropertiesList(
        tenant_id_property(),
        th.Property(
            "spool_dir", th.StringType, required=True,
            description="The tenant's spool directory, where cerebro-whatsapp-receiver writes "
            "the notifications it verified (<its --spool-root>/<tenant_id>).",
        ),
        th.Property(
            "settle_seconds", th.IntegerType(minimum=0), default=60,
            description="Payloads received in the last settle_seconds are left for the next "
            "sync, so a payload still being written is never passed by the bookmark.",
        ),
    ).to_dict()  # fmt: skip

    @functools.cached_property
    def window_end(self) -> dt.datetime:
        """Payloads received before this instant are read."""
        settle = dt.timedelta(seconds=int(self.config.get("settle_seconds", 60)))
        return self.clock.now().astimezone(dt.UTC) - settle

    def discover_streams(self) -> list[Stream]:
        """The message statuses."""
        return [MessageStatusesStream(self)]


if __name__ == "__main__":
    TapCerebroWhatsApp.cli()
