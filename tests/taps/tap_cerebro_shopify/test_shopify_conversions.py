"""Value conversions and response judgement, on hand-written Shopify payloads.

Oracles: Shopify's documented formats (decimal strings, ISO 8601 UTC, gids, metafield
types, error codes) and exact arithmetic.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from singer_sdk.exceptions import FatalAPIError
from tap_cerebro_shopify.conversions import (
    joined_tags,
    legacy_id,
    metafield_text,
    rating_value,
    shop_currency,
    shop_money,
    utc_timestamp,
)
from tap_cerebro_shopify.errors import (
    QueryCostExceededError,
    ShopifyAuthError,
    ShopifyServerError,
    ShopifyThrottledError,
    checked_body,
)
from tap_cerebro_shopify.records import order_record

SHOP = "tienda.myshopify.com"


def money(amount: str, currency: str) -> dict:
    return {"shopMoney": {"amount": amount, "currencyCode": currency}}


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("72363.0", "CLP", Decimal(72363)),  # CLP has no decimals, Shopify still sends ".0"
        ("19.90", "PEN", Decimal("19.90")),
        ("0.1", "PEN", Decimal("0.1")),  # 0.1 has no exact float
        ("123456789012.34", "CLP", Decimal("123456789012.34")),
    ],
)
def test_money_strings_become_exact_decimals(amount, currency, expected):
    bag = money(amount, currency)
    assert shop_money(bag) == expected
    assert isinstance(shop_money(bag), Decimal)
    assert shop_currency(bag) == currency


def test_money_is_emitted_as_the_exact_json_number():
    from singer_sdk.singerlib.json import serialize_json

    record = order_record(
        {
            "id": "gid://shopify/Order/1",
            "totalPriceSet": money("19.90", "PEN"),
            "subtotalPriceSet": money("72363.0", "CLP"),
        }
    )
    text = serialize_json({"total": record["total_amount"], "sub": record["subtotal_amount"]})
    assert text.replace(" ", "") == '{"total":19.90,"sub":72363.0}'
    assert json.loads(text, parse_float=Decimal) == {
        "total": Decimal("19.90"),
        "sub": Decimal(72363),
    }


def test_missing_money_is_null_not_zero():
    assert shop_money(None) is None
    assert shop_money({"shopMoney": None}) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-04-07T02:30:00Z", "2024-04-07T02:30:00+00:00"),
        # The night Santiago leaves DST (2024-04-06, 24:00 -03 -> 23:00 -04): both local
        # readings of 23:30 are different instants, and stay so in UTC.
        ("2024-04-06T23:30:00-03:00", "2024-04-07T02:30:00+00:00"),
        ("2024-04-06T23:30:00-04:00", "2024-04-07T03:30:00+00:00"),
        # Santiago enters DST (2024-09-08 00:00 -04 -> 01:00 -03).
        ("2024-09-08T01:30:00-03:00", "2024-09-08T04:30:00+00:00"),
        ("2024-12-31T23:59:59.123Z", "2024-12-31T23:59:59.123000+00:00"),
    ],
)
def test_timestamps_land_as_utc_with_explicit_offset(value, expected):
    assert utc_timestamp(value) == expected


def test_timestamp_without_offset_is_refused_rather_than_guessed():
    with pytest.raises(ValueError, match="without a UTC offset"):
        utc_timestamp("2024-04-07T02:30:00")


@pytest.mark.parametrize(
    ("gid", "expected"),
    [
        ("gid://shopify/Order/450789469", "450789469"),
        ("gid://shopify/AbandonedCheckout/9?key=abc", "9"),
        (None, None),
    ],
)
def test_global_ids_become_numeric_legacy_ids(gid, expected):
    assert legacy_id(gid) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("4", 4),
        ("4.5", 5),
        ("3.49", 3),
        ('{"value": "5.0", "scale_min": "1.0", "scale_max": "5.0"}', 5),
        ("excelente", None),
        ("  ", None),
    ],
)
def test_rating_metafields_of_each_shopify_type_become_integers(value, expected):
    assert rating_value({"value": value}) == expected


def test_absent_metafields_and_tags():
    assert rating_value(None) is None
    assert metafield_text(None) is None
    assert metafield_text({"value": "12.345.678-5"}) == "12.345.678-5"  # raw, as entered
    assert joined_tags(["vip", "empresa"]) == "vip, empresa"
    assert joined_tags([]) == ""


def body(payload: dict) -> bytes:
    return json.dumps(payload).encode()


def test_throttled_answer_waits_requested_minus_available_over_restore_rate():
    payload = {
        "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
        "extensions": {
            "cost": {
                "requestedQueryCost": 290,
                "actualQueryCost": None,
                "throttleStatus": {
                    "maximumAvailable": 1000.0,
                    "currentlyAvailable": 40,
                    "restoreRate": 50.0,
                },
            }
        },
    }
    with pytest.raises(ShopifyThrottledError) as caught:
        checked_body(200, body(payload), {}, SHOP)
    assert caught.value.wait_seconds == pytest.approx((290 - 40) / 50)


def test_max_cost_exceeded_gives_the_page_size_that_fits():
    payload = {
        "errors": [
            {
                "message": "Query cost is 18002, which exceeds the single query max cost "
                "limit (1000).",
                "extensions": {"code": "MAX_COST_EXCEEDED", "cost": 18002, "maxCost": 1000},
            }
        ]
    }
    with pytest.raises(QueryCostExceededError) as caught:
        checked_body(200, body(payload), {}, SHOP)
    # 250 nodes cost 18000 + 2: 72 a node, so 13 nodes (938 points) fit in 1000.
    assert caught.value.fitting_page_size(250) == 13
    assert caught.value.fitting_page_size(1) == 0


def test_401_is_fatal_and_says_what_to_check():
    with pytest.raises(ShopifyAuthError, match=r"refused the access token.*HTTP 401") as caught:
        checked_body(401, body({"errors": "[API] Invalid API key or access token"}), {}, SHOP)
    assert isinstance(caught.value, FatalAPIError)
    assert "environment variable" in str(caught.value)


def test_access_denied_is_fatal_and_names_the_missing_scope():
    payload = {
        "data": None,
        "errors": [
            {
                "message": "Access denied for orders field.",
                "extensions": {
                    "code": "ACCESS_DENIED",
                    "requiredAccess": "`read_orders` access scope.",
                },
            }
        ],
    }
    with pytest.raises(ShopifyAuthError, match=r"ACCESS_DENIED.*`read_orders` access scope"):
        checked_body(200, body(payload), {}, SHOP)


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
def test_server_errors_are_retriable(status):
    with pytest.raises(ShopifyServerError):
        checked_body(status, b"<html>oops</html>", {"Retry-After": "2.0"}, SHOP)


def test_429_keeps_the_retry_after_header():
    with pytest.raises(ShopifyServerError) as caught:
        checked_body(429, b"", {"Retry-After": "2.0"}, SHOP)
    assert caught.value.retry_after == 2.0
