"""The Klaviyo tap's stream: e-mail events of the metrics asked for, one partition each."""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import typing as t

from cerebro_raw_contract.email_identity import email_sha256
from cerebro_tap_kit.contract_stream import ContractStream
from singer_sdk.exceptions import FatalAPIError

from tap_cerebro_klaviyo.client import KlaviyoStream, filter_and, quoted

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from singer_sdk.helpers.types import Context


def instant(value: dt.datetime) -> str:
    """A filter's date-time: ISO 8601 with its offset, unquoted (Klaviyo's filter syntax)."""
    return value.astimezone(dt.UTC).isoformat()


def utc_iso(value: str | None) -> str | None:
    """An event's ``datetime`` as an ISO instant in UTC (Klaviyo writes it with an offset)."""
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC).isoformat()


class EmailEventsStream(ContractStream, KlaviyoStream):
    """``GET /api/events`` for each metric named in ``metrics``: oldest first, so the bookmark
    (per metric) moves with the records and a sync cut short resumes where it stopped.

    Events come with their profile (``include=profile``, its e-mail only): the address is hashed
    here, with Cerebro's rule, and never leaves the tap in clear.
    """

    source = "klaviyo"
    name = "email_events"
    is_sorted = True

    def __init__(self, tap, *args, **kwargs) -> None:
        super().__init__(tap, *args, **kwargs)
        # A STATE message every page's worth of records (singer-sdk's default is every
        # 10,000): a sync cut short resumes from its last page, not from its last metric.
        self.STATE_MSG_FREQUENCY = int(self.config["page_size"])

    @functools.cached_property
    def partitions(self) -> list[dict]:
        """One context per metric whose name is asked for (``GET /api/metrics``; an account
        may hold several metrics of one name, one per integration: each is read)."""
        wanted = list(self.config.get("metrics") or [])
        found: list[dict] = []
        params = {"fields[metric]": "name"}
        for document in self.documents("/api/metrics", params):
            for metric in document["data"]:
                name = (metric.get("attributes") or {}).get("name")
                if name in wanted:
                    found.append({"metric_id": metric["id"], "metric_name": name})
        missing = sorted(set(wanted) - {m["metric_name"] for m in found})
        if missing:
            # A metric appears with its first event: an account that never sent an e-mail has
            # no "Received Email". Nothing to read for it is not an error.
            self.logger.warning("Klaviyo has no metric named %s (yet)", ", ".join(missing))
        return sorted(found, key=lambda m: (m["metric_name"], m["metric_id"]))

    def get_records(self, context: Context | None) -> Iterator[dict]:
        """The metric's events from the bookmark (or ``start_date``) to the window's end."""
        if context is None:
            raise FatalAPIError("email_events is read per metric")
        start = self.get_starting_timestamp(context)
        if start.tzinfo is None:
            start = start.replace(tzinfo=dt.UTC)
        end = self._tap.window_end
        if start >= end:
            return
        params = {
            "filter": filter_and(
                f"equals(metric_id,{quoted(context['metric_id'])})",
                f"greater-or-equal(datetime,{instant(start)})",
                f"less-than(datetime,{instant(end)})",
            ),
            "sort": "datetime",
            "include": "profile",
            "fields[event]": "datetime,event_properties",
            "fields[profile]": "email",
            "page[size]": int(self.config["page_size"]),
        }
        for document in self.documents("/api/events", params):
            emails = {
                item["id"]: (item.get("attributes") or {}).get("email")
                for item in document.get("included") or []
                if item.get("type") == "profile"
            }
            for event in document["data"]:
                yield self.record(event, context, emails)

    def record(self, event: dict, context: Context, emails: dict[str, str | None]) -> dict:
        """One row of the contract from an event and its profile's address (hashed)."""
        attributes = event.get("attributes") or {}
        properties = attributes.get("event_properties") or {}
        profile = ((event.get("relationships") or {}).get("profile") or {}).get("data") or {}
        profile_id = profile.get("id")
        value = properties.get("$value")
        return {
            "tenant_id": self.config["tenant_id"],
            "event_id": event["id"],
            "metric_id": context["metric_id"],
            "metric_name": context["metric_name"],
            "occurred_at": utc_iso(attributes.get("datetime")),
            "profile_id": profile_id,
            "email_sha256": email_sha256(emails.get(profile_id)),
            # The message an e-mail event is about (a campaign's or a flow's), when it says.
            "message_id": _text(properties.get("$message")),
            "event_value": value if _is_number(value) else None,
        }


def _text(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool)
