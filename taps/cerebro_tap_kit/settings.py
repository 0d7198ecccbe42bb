"""Settings every Cerebro tap takes, declared once for their config schemas."""

from __future__ import annotations

from singer_sdk import typing as th


def tenant_id_property() -> th.Property:
    """The tenant a tap lands for: stamped on every record, part of every primary key."""
    return th.Property(
        "tenant_id", th.StringType, required=True,
        description="Tenant stamped on every record and part of every primary key.",
    )  # fmt: skip
