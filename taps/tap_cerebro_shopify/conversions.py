"""Shopify GraphQL values turned into the raw contract's values (docs/decisions/0002).

Pure functions, one per kind of value, so that every conversion is tested on its own:
ids, money, timestamps, tags and metafields.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation


def dig(node: dict | None, *path: str):
    """The value at ``path`` inside nested GraphQL objects, None where any step is null."""
    value = node
    for key in path:
        if value is None:
            return None
        value = value.get(key)
    return value


def legacy_id(global_id: str | None) -> str | None:
    """The numeric id of a global id: ``gid://shopify/Order/450789469`` -> ``"450789469"``.

    The number after the last slash is the resource's ``legacyResourceId``, the id the
    Shopify admin and the REST API show; some ids carry a query string
    (``gid://shopify/AbandonedCheckout/1?key=...``), which is not part of the id.
    https://shopify.dev/docs/api/usage/gids
    """
    if global_id is None:
        return None
    return global_id.split("?", 1)[0].rsplit("/", 1)[-1]


def shop_money(money_bag: dict | None) -> Decimal | None:
    """The shop-currency amount of a ``MoneyBag`` as an exact Decimal.

    Shopify sends amounts as decimal strings (``"72363.0"`` even for CLP, which has no
    minor unit); parsing them as float would lose cents on large sums.
    https://shopify.dev/docs/api/admin-graphql/latest/scalars/Decimal
    """
    amount = dig(money_bag, "shopMoney", "amount")
    return None if amount is None else Decimal(str(amount))


def shop_currency(money_bag: dict | None) -> str | None:
    """The shop currency code of a ``MoneyBag`` (the tenant's currency)."""
    return dig(money_bag, "shopMoney", "currencyCode")


def utc_timestamp(value: str | None) -> str | None:
    """An ISO 8601 ``DateTime`` as UTC with an explicit ``+00:00`` offset.

    Shopify returns UTC (``2024-04-07T02:30:00Z``); any other offset is converted, so a
    local daylight-saving offset never reaches the warehouse (target-postgres would store
    the wall-clock time and drop the offset).
    """
    if value is None:
        return None
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"timestamp without a UTC offset: {value!r}")
    return parsed.astimezone(dt.UTC).isoformat()


def joined_tags(tags: list[str] | None) -> str | None:
    """Tags as one comma-separated string, as the Shopify admin shows them."""
    return None if tags is None else ", ".join(tags)


def metafield_text(metafield: dict | None) -> str | None:
    """A metafield's value as stored (raw: dbt trims and validates); None when absent."""
    return dig(metafield, "value")


def rating_value(metafield: dict | None) -> int | None:
    """A rating metafield as an integer (1..5 by convention).

    Accepts a ``number_integer`` / ``number_decimal`` / text metafield (``"4"``) and
    Shopify's ``rating`` type, whose value is JSON (``{"value": "4.0", "scale_min": ...}``).
    Decimals round half up; text that is not a number is no rating.
    https://shopify.dev/docs/apps/build/custom-data/metafields/list-of-data-types
    """
    text = (metafield_text(metafield) or "").strip()
    if not text:
        return None
    if text.startswith("{"):
        try:
            text = str(json.loads(text).get("value", ""))
        except (ValueError, AttributeError):
            return None
    try:
        return int(Decimal(text).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except (InvalidOperation, ValueError):
        return None
