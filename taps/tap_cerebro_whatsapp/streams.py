"""The WhatsApp tap's stream: one record per status in each spooled webhook payload.

A status notification, as Meta documents it
(https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/
messages/status/): ``{"object": "whatsapp_business_account", "entry": [{"id": <WABA id>,
"changes": [{"field": "messages", "value": {"messaging_product": "whatsapp", "metadata":
{"display_phone_number", "phone_number_id"}, "statuses": [{"id": "wamid.…", "status":
"sent" | "delivered" | "read" | "failed" | …, "timestamp": "<unix seconds>", "recipient_id":
"<wa_id>", "pricing": {"category", …}, "errors": [{"code", "title", "message",
"error_data": {"details"}}]}]}}]}]}``. One payload may hold several entries, changes and
statuses; the same ``messages`` field also carries customers' incoming messages, which hold no
status and land nothing here. Meta does not promise order (a "read" may arrive before its
"delivered"), which is why each status is a row and dbt decides what a message reached.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import typing as t
from pathlib import Path

from cerebro_tap_kit.contract_stream import ContractStream
from singer_sdk import Stream

from tap_cerebro_whatsapp import spool

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from singer_sdk.helpers.types import Context


class MalformedPayload(ValueError):
    """A spooled payload that cannot be read as status notifications (the reason)."""


class MessageStatusesStream(ContractStream, Stream):
    """The spool's files from the bookmark (a file name) to the settle window's end, oldest
    first: the bookmark moves with the records, and a sync cut short resumes at the file it
    was in (re-reading it; the landing's upsert by key keeps one row per status)."""

    source = "whatsapp"
    name = "message_statuses"
    is_sorted = True

    def __init__(self, tap, *args, **kwargs) -> None:
        super().__init__(tap, *args, **kwargs)
        # A STATE every 100 statuses (singer-sdk's default is every 10,000): a sync cut short
        # re-reads little.
        self.STATE_MSG_FREQUENCY = 100

    def get_records(self, context: Context | None) -> Iterator[dict]:
        """Every status of every spooled payload not read yet; a payload that is not one is
        moved to the spool's quarantine with the reason, and the sync goes on."""
        directory = Path(self.config["spool_dir"])
        bookmark = self.get_starting_replication_key_value(context)
        before = spool.spool_name(self._tap.window_end, b"").split("-", 1)[0]
        quarantined = 0
        for path in spool.pending(directory, bookmark, before):
            try:
                statuses = parse(path.read_bytes())
            except MalformedPayload as reason:
                spool.quarantine(path, str(reason))
                quarantined += 1
                self.logger.warning("WhatsApp payload %s quarantined: %s", path.name, reason)
                continue
            for status in statuses:
                yield {
                    "tenant_id": self.config["tenant_id"],
                    **status,
                    "received_at": spool.received_at(path.name).isoformat(),
                    "spool_file": path.name,
                }
        if quarantined:
            self.logger.warning(
                "%d WhatsApp payload(s) quarantined in %s (each with a .reason file)",
                quarantined, directory / spool.QUARANTINE,
            )  # fmt: skip


def parse(body: bytes) -> list[dict]:
    """The statuses of one webhook payload as rows of the contract (without the tenant and
    the spool's columns); MalformedPayload says why a payload is not one."""
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MalformedPayload(f"not JSON: {error}") from None
    if not isinstance(payload, dict) or payload.get("object") != "whatsapp_business_account":
        raise MalformedPayload("not a WhatsApp Business Account notification (object)")
    entries = payload.get("entry")
    if not isinstance(entries, list):
        raise MalformedPayload("no entry list")
    rows = []
    for entry in entries:
        changes = entry.get("changes") if isinstance(entry, dict) else None
        if not isinstance(changes, list):
            raise MalformedPayload("an entry without a changes list")
        for change in changes:
            value = change.get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict):
                raise MalformedPayload("a change without a value object")
            statuses = value.get("statuses") or []
            if change.get("field") != "messages" or not statuses:
                continue  # another field, or a customer's incoming message: no status
            if not isinstance(statuses, list):
                raise MalformedPayload("statuses is not a list")
            metadata = value.get("metadata") if isinstance(value.get("metadata"), dict) else {}
            for status in statuses:
                rows.append(_row(status, entry, metadata))
    return rows


def _row(status: object, entry: dict, metadata: dict) -> dict:
    if not isinstance(status, dict):
        raise MalformedPayload("a status that is not an object")
    message_id, kind = status.get("id"), status.get("status")
    if not isinstance(message_id, str) or not message_id:
        raise MalformedPayload("a status without its message id")
    if not isinstance(kind, str) or not kind:
        raise MalformedPayload(f"status of {message_id} without its status")
    try:
        instant = dt.datetime.fromtimestamp(int(status.get("timestamp")), dt.UTC)
    except (TypeError, ValueError, OverflowError):
        raise MalformedPayload(f"status of {message_id} without a unix timestamp") from None
    errors = status.get("errors")
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    details = (first.get("error_data") or {}).get("details") if first else None
    pricing = status.get("pricing") if isinstance(status.get("pricing"), dict) else {}
    return {
        "message_id": message_id,
        "status": kind,
        "status_at": instant.isoformat(),
        "recipient_phone_sha256": phone_sha256(status.get("recipient_id")),
        "phone_number_id": _text(metadata.get("phone_number_id")),
        "business_account_id": _text(entry.get("id")),
        "error_code": _integer(first.get("code")),
        "error_title": _text(first.get("title")),
        "error_details": _text(details or first.get("message")),
        "pricing_category": _text(pricing.get("category")),
    }


def phone_sha256(wa_id: object) -> str | None:
    """The hash the activation log keeps for a WhatsApp member: SHA-256 of the number in E.164
    (``+`` and the digits, ``cerebro.actions.activation.identifiers``); Meta's ``wa_id`` is the
    digits alone. The number itself never lands."""
    digits = "".join(c for c in str(wa_id or "") if c.isdigit())
    return hashlib.sha256(f"+{digits}".encode()).hexdigest() if digits else None


def _text(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def _integer(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
