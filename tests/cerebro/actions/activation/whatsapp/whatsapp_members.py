"""The token, number id, audience and members the WhatsApp tests share."""

from __future__ import annotations

from cerebro.actions.activation.destination import Audience, Member

TOKEN = "EAAG-test-system-user-token"
PHONE_NUMBER_ID = "106540352242922"
AUDIENCE = Audience(
    "casafacil_cl", "Frecuentes alejados", "Cerebro · casafacil_cl · Frecuentes alejados"
)


def member(customer_id: str, phone: str | None, first_name: str | None = "Ana", **attributes):
    """A Chilean member with a rescue code (``VUELVE-<id>``) unless told otherwise."""
    attributes.setdefault("discount_code", f"VUELVE-{customer_id}")
    return Member(customer_id, phone=phone, first_name=first_name, attributes=attributes)
