"""A fake store made from raw rows the demo tap landed: the same data, as Shopify serves it.

Reading the demo's landed rows back through the Shopify tap must give the same rows,
column for column: the oracle for the tap's mapping and for the "same raw shape"
contract. The only column the real API cannot fill is ``checkouts.order_id`` (an
abandoned checkout has no link to its order), so it is expected null.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import duckdb
from cerebro_raw_contract import STREAMS_BY_SOURCE
from tap_cerebro_shopify.tap import TapCerebroShopify

from tests.taps.tap_cerebro_shopify.shopify_fake_admin_api import FakeShop

#: The access token the fake API accepts; tests search for it wherever it must not be.
TOKEN = "shpat_f4ke0t0ken0never0in0logs0c0ffee"
TENANT = "tienda_shopify"
#: "Now" for the fake API and the tap: the demo history ends two days before, and it has
#: orders created more than 60 days before.
NOW = dt.datetime(2026, 7, 2, tzinfo=dt.UTC)
#: The demo tenant whose landed rows make the fake store.
DEMO_CONFIG = {
    "tenant_id": TENANT,
    "source": "shopify",
    "profile": "cl_services",
    "timezone": "America/Santiago",
    "customers": 300,  # about 280 orders (most customers book once or twice a year)
    "seed": 5,
    "end_date": "2026-06-30",
    "history_days": 150,
}
SCHEMA = "raw_shopify"
STREAMS = STREAMS_BY_SOURCE["shopify"]
#: Columns the real tap cannot fill from Shopify, and what it lands instead.
UNREACHABLE_COLUMNS = {"checkouts": {"order_id": None}}


def contract_columns(stream: str) -> list[str]:
    """The stream's columns, in schema order."""
    tap = TapCerebroShopify(
        config={"tenant_id": "t", "shop": "s", "access_token": "x"}, parse_env_config=False
    )
    return list(tap.streams[stream].schema["properties"])


def read_raw_rows(connection: duckdb.DuckDBPyConnection, tenant_id: str) -> dict[str, list[dict]]:
    """A tenant's rows of every Shopify raw table, contract columns only, sorted by key."""
    rows = {}
    for stream in STREAMS:
        columns = contract_columns(stream)
        key = columns[1]  # the id after tenant_id
        cursor = connection.execute(
            f"select {', '.join(columns)} from {SCHEMA}.{stream} where tenant_id = ? "
            f"order by {key}",
            [tenant_id],
        )
        rows[stream] = [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]
    return rows


def expected_tap_rows(rows: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """What the Shopify tap must land for a store made from ``rows``."""
    return {
        stream: [{**row, **UNREACHABLE_COLUMNS.get(stream, {})} for row in stream_rows]
        for stream, stream_rows in rows.items()
    }


def gid(resource: str, numeric_id: str | None) -> str | None:
    return None if numeric_id is None else f"gid://shopify/{resource}/{numeric_id}"


def shopify_time(value: dt.datetime | None) -> str | None:
    """A landed naive-UTC timestamp as Shopify writes a DateTime (``...Z``)."""
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%SZ")


def shopify_amount(value: Decimal | float | None) -> str | None:
    """An amount as Shopify writes a Decimal: ``"72363.0"`` for whole sums, else as is."""
    if value is None:
        return None
    amount = Decimal(str(value)).normalize()
    if amount == amount.to_integral_value():
        return f"{int(amount)}.0"
    return format(amount, "f")


def money_bag(value, currency: str | None) -> dict | None:
    if value is None:
        return None
    money = {"amount": shopify_amount(value), "currencyCode": currency}
    return {"shopMoney": money, "presentmentMoney": money}


def metafields(**values: str | None) -> dict:
    return {f"custom.{key}": value for key, value in values.items() if value is not None}


def tag_list(tags: str | None) -> list[str]:
    return [tag for tag in (tags or "").split(", ") if tag]


def address(city, province, province_code, country_code) -> dict | None:
    if (city, province, province_code, country_code) == (None, None, None, None):
        return None
    return {
        "city": city,
        "province": province,
        "provinceCode": province_code,
        "countryCodeV2": country_code,
    }


def customer_node(row: dict) -> dict:
    email = None
    if row["email"] is not None or row["email_marketing_state"] is not None:
        email = {"emailAddress": row["email"], "marketingState": row["email_marketing_state"]}
    phone = None
    if row["phone"] is not None:
        phone = {"phoneNumber": row["phone"], "marketingState": row["sms_marketing_state"]}
    return {
        "id": gid("Customer", row["customer_id"]),
        "firstName": row["first_name"],
        "lastName": row["last_name"],
        "state": row["state"],
        "verifiedEmail": row["verified_email"],
        "tags": tag_list(row["tags"]),
        "createdAt": shopify_time(row["created_at"]),
        "updatedAt": shopify_time(row["updated_at"]),
        "defaultEmailAddress": email,
        "defaultPhoneNumber": phone,
        "defaultAddress": address(
            row["default_address_city"],
            row["default_address_province"],
            row["default_address_province_code"],
            row["default_address_country_code"],
        ),
        "metafields": metafields(
            rut=row["rut"],
            utm_source=row["signup_utm_source"],
            utm_medium=row["signup_utm_medium"],
            utm_campaign=row["signup_utm_campaign"],
            referring_site=row["signup_referring_site"],
        ),
    }


def visit(row: dict, prefix: str, columns: dict[str, str], number: int) -> dict | None:
    """A ``CustomerVisit`` from a row's landed visit columns (``prefix`` + UTM field, and the
    non-UTM fields named in ``columns``); null when the visit never happened (its
    ``occurredAt`` is non-null in Shopify's schema)."""
    if row[columns["occurredAt"]] is None:
        return None
    utm = {field: row[f"{prefix}{field}"] for field in UTM_FIELDS}
    return {
        "id": gid("CustomerVisit", f"{row['order_id']}{number}"),
        "occurredAt": shopify_time(row[columns["occurredAt"]]),
        "source": row[columns["source"]],
        "landingPage": row[columns["landingPage"]],
        "referrerUrl": row[columns["referrerUrl"]],
        "utmParameters": utm if any(value is not None for value in utm.values()) else None,
    }


UTM_FIELDS = ("source", "medium", "campaign", "content", "term")
FIRST_VISIT = {"occurredAt": "first_visit_at", "source": "first_visit_source",
               "landingPage": "landing_page", "referrerUrl": "referring_site"}  # fmt: skip
LAST_VISIT = {"occurredAt": "last_visit_at", "source": "last_visit_source",
              "landingPage": "last_visit_landing_page",
              "referrerUrl": "last_visit_referring_site"}  # fmt: skip


def journey(row: dict) -> dict | None:
    """The order's ``CustomerJourneySummary``; null when Shopify recorded no session for it
    (``ready`` is non-null on every summary). ``momentsCount`` is null until it is ready."""
    if row["is_journey_ready"] is None:
        return None
    moments = row["journey_moments_count"]
    return {
        "ready": row["is_journey_ready"],
        "momentsCount": None if moments is None else {"count": moments, "precision": "EXACT"},
        "daysToConversion": row["journey_days_to_conversion"],
        "firstVisit": visit(row, "landing_utm_", FIRST_VISIT, 1),
        "lastVisit": visit(row, "last_visit_utm_", LAST_VISIT, 2),
    }


def line_node(row: dict, currency: str) -> dict:
    return {
        "id": gid("LineItem", row["order_line_id"]),
        "title": row["product_title"],
        "variantTitle": row["variant_title"],
        "sku": row["sku"],
        "quantity": row["quantity"],
        "product": None if row["product_id"] is None else {"id": gid("Product", row["product_id"])},
        "variant": None
        if row["variant_id"] is None
        else {"id": gid("ProductVariant", row["variant_id"])},
        "originalUnitPriceSet": money_bag(row["unit_price_amount"], currency),
        "originalTotalSet": money_bag(row["original_total_amount"], currency),
        "totalDiscountSet": money_bag(row["discount_amount"], currency),
    }


def transaction_node(row: dict) -> dict:
    return {
        "id": gid("OrderTransaction", row["transaction_id"]),
        "kind": row["kind"],
        "status": row["status"],
        "gateway": row["gateway"],
        "errorCode": None if row["error_code"] is None else row["error_code"].upper(),
        "createdAt": shopify_time(row["created_at"]),
        "processedAt": shopify_time(row["processed_at"]),
        "amountSet": money_bag(row["amount"], row["currency"]),
    }


def order_node(row: dict, children: dict[str, list[dict]]) -> dict:
    currency = row["currency"]
    return {
        "id": gid("Order", row["order_id"]),
        "name": row["order_name"],
        "email": row["email"],
        "createdAt": shopify_time(row["created_at"]),
        "processedAt": shopify_time(row["processed_at"]),
        "cancelledAt": shopify_time(row["cancelled_at"]),
        "cancelReason": row["cancel_reason"],
        "closedAt": shopify_time(row["closed_at"]),
        "updatedAt": shopify_time(row["updated_at"]),
        "currencyCode": currency,
        "displayFinancialStatus": row["financial_status"],
        "displayFulfillmentStatus": row["fulfillment_status"],
        "taxesIncluded": row["taxes_included"],
        "test": row["is_test"],
        "sourceName": row["source_name"],
        "tags": tag_list(row["tags"]),
        "customer": None
        if row["customer_id"] is None
        else {"id": gid("Customer", row["customer_id"])},
        "subtotalPriceSet": money_bag(row["subtotal_amount"], currency),
        "totalDiscountsSet": money_bag(row["total_discounts_amount"], currency),
        "totalShippingPriceSet": money_bag(row["total_shipping_amount"], currency),
        "totalTaxSet": money_bag(row["total_tax_amount"], currency),
        "totalPriceSet": money_bag(row["total_amount"], currency),
        "totalRefundedSet": money_bag(row["total_refunded_amount"], currency),
        "shippingAddress": address(
            row["shipping_city"],
            row["shipping_province"],
            row["shipping_province_code"],
            row["shipping_country_code"],
        ),
        "customerJourneySummary": journey(row),
        "metafields": metafields(rating=None if row["rating"] is None else str(row["rating"])),
        "lineItems": [line_node(line, currency) for line in children["order_lines"]],
        "transactions": [transaction_node(item) for item in children["transactions"]],
        "refunds": [
            {
                "id": gid("Refund", item["refund_id"]),
                "createdAt": shopify_time(item["created_at"]),
                "note": item["note"],
                "totalRefundedSet": money_bag(item["amount"], item["currency"]),
            }
            for item in children["refunds"]
        ],
        "fulfillments": [
            {
                "id": gid("Fulfillment", item["fulfillment_id"]),
                "status": item["status"],
                "createdAt": shopify_time(item["created_at"]),
                "updatedAt": shopify_time(item["updated_at"]),
                "deliveredAt": shopify_time(item["delivered_at"]),
            }
            for item in children["fulfillments"]
        ],
    }


def checkout_node(row: dict) -> dict:
    customer = None
    if row["customer_id"] is not None:
        customer = {
            "id": gid("Customer", row["customer_id"]),
            "defaultEmailAddress": None
            if row["email"] is None
            else {"emailAddress": row["email"], "marketingState": "NOT_SUBSCRIBED"},
        }
    return {
        "id": gid("AbandonedCheckout", row["checkout_id"]),
        "createdAt": shopify_time(row["created_at"]),
        "updatedAt": shopify_time(row["updated_at"]),
        "completedAt": shopify_time(row["completed_at"]),
        "lineItemsQuantity": row["items_count"],
        "customer": customer,
        "totalPriceSet": money_bag(row["total_amount"], row["currency"]),
    }


def fake_shop_from_rows(rows: dict[str, list[dict]]) -> FakeShop:
    """The store whose API serves exactly ``rows`` (as ``read_raw_rows`` returns them)."""
    children: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for stream in ("order_lines", "transactions", "refunds", "fulfillments"):
        for row in rows[stream]:
            children[row["order_id"]][stream].append(row)
    return FakeShop(
        customers=[customer_node(row) for row in rows["customers"]],
        orders=[order_node(row, children[row["order_id"]]) for row in rows["orders"]],
        checkouts=[checkout_node(row) for row in rows["checkouts"]],
    )


def as_singer_value(value):
    """A landed value as the tap emits it (naive UTC timestamps with ``+00:00``)."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC).isoformat()
    return value


def expected_records(rows: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """The records the tap must emit for a store made from ``rows``, per stream."""
    return {
        stream: [{k: as_singer_value(v) for k, v in row.items()} for row in stream_rows]
        for stream, stream_rows in expected_tap_rows(rows).items()
    }
