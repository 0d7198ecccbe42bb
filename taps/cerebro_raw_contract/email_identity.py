"""An e-mail address as Cerebro hashes it, wherever it is hashed: trimmed of spaces at both
ends and lower-cased, then SHA-256 in lower-case hex.

The warehouse does the same in SQL (``dbt_project/macros/pii.sql``: ``lower(trim(…))``, SQL's
``trim`` removing spaces only), the activation's destinations through
``cerebro.actions.activation.identifiers`` and the Klaviyo tap on the addresses of the profiles
its events belong to: one rule, here, below all of them, so that an e-mail hashed by any of
them joins the others.
"""

from __future__ import annotations

import hashlib


def normal_email(raw: str | None) -> str | None:
    """The address as it is hashed (spaces trimmed at both ends, lower case), None if empty."""
    if raw is None:
        return None
    value = raw.strip(" ").lower()
    return value or None


def email_sha256(raw: str | None) -> str | None:
    """Lower-case hex SHA-256 of the address's normal form (None for an empty address)."""
    value = normal_email(raw)
    return None if value is None else hashlib.sha256(value.encode("utf-8")).hexdigest()
