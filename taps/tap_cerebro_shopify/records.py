"""GraphQL nodes (as the queries in ``queries/`` select them) turned into raw stream records.

One function per stream. Each returns exactly the columns of the contract's schema
except ``tenant_id``, which the base stream stamps on every record.
"""

from __future__ import annotations

from tap_cerebro_shopify.conversions import (
    dig,
    joined_tags,
    legacy_id,
    metafield_text,
    rating_value,
    shop_currency,
    shop_money,
    utc_timestamp,
)


def customer_record(node: dict) -> dict:
    """A ``Customer`` node. RUT and signup UTMs come from metafields (docs/sources.md):
    Shopify has no field for either."""
    address = node.get("defaultAddress")
    return {
        "customer_id": legacy_id(node["id"]),
        "email": dig(node, "defaultEmailAddress", "emailAddress"),
        "phone": dig(node, "defaultPhoneNumber", "phoneNumber"),
        "first_name": node.get("firstName"),
        "last_name": node.get("lastName"),
        "state": node.get("state"),
        "verified_email": node.get("verifiedEmail"),
        "email_marketing_state": dig(node, "defaultEmailAddress", "marketingState"),
        # The SMS consent travels with the phone number (CustomerPhoneNumber.marketingState,
        # which replaced Customer.smsMarketingConsent in 2025-04): WhatsApp sends need it.
        "sms_marketing_state": dig(node, "defaultPhoneNumber", "marketingState"),
        "tags": joined_tags(node.get("tags")),
        "rut": metafield_text(node.get("rut")),
        "signup_utm_source": metafield_text(node.get("utmSource")),
        "signup_utm_medium": metafield_text(node.get("utmMedium")),
        "signup_utm_campaign": metafield_text(node.get("utmCampaign")),
        "signup_referring_site": metafield_text(node.get("referringSite")),
        "default_address_city": dig(address, "city"),
        "default_address_province": dig(address, "province"),
        "default_address_province_code": dig(address, "provinceCode"),
        "default_address_country_code": dig(address, "countryCodeV2"),
        "created_at": utc_timestamp(node.get("createdAt")),
        "updated_at": utc_timestamp(node.get("updatedAt")),
    }


def journey_columns(summary: dict | None) -> dict:
    """An order's ``CustomerJourneySummary``: its first visit as the landing columns, its last
    visit, how many sessions it counts and whether Shopify has finished attributing it.

    The summary is null when Shopify recorded no online-store session for the order (orders
    from apps, POS or the admin; visitors who refused tracking). ``momentsCount`` is null
    while ``ready`` is false (attribution still running), so a later sync fills it in.
    https://shopify.dev/docs/api/admin-graphql/latest/objects/CustomerJourneySummary
    """
    first = dig(summary, "firstVisit")
    last = dig(summary, "lastVisit")
    return {
        "landing_utm_source": dig(first, "utmParameters", "source"),
        "landing_utm_medium": dig(first, "utmParameters", "medium"),
        "landing_utm_campaign": dig(first, "utmParameters", "campaign"),
        "landing_utm_content": dig(first, "utmParameters", "content"),
        "landing_utm_term": dig(first, "utmParameters", "term"),
        "referring_site": dig(first, "referrerUrl"),
        "landing_page": dig(first, "landingPage"),
        "first_visit_at": utc_timestamp(dig(first, "occurredAt")),
        "first_visit_source": dig(first, "source"),
        "last_visit_utm_source": dig(last, "utmParameters", "source"),
        "last_visit_utm_medium": dig(last, "utmParameters", "medium"),
        "last_visit_utm_campaign": dig(last, "utmParameters", "campaign"),
        "last_visit_utm_content": dig(last, "utmParameters", "content"),
        "last_visit_utm_term": dig(last, "utmParameters", "term"),
        "last_visit_referring_site": dig(last, "referrerUrl"),
        "last_visit_landing_page": dig(last, "landingPage"),
        "last_visit_at": utc_timestamp(dig(last, "occurredAt")),
        "last_visit_source": dig(last, "source"),
        "journey_moments_count": dig(summary, "momentsCount", "count"),
        "journey_days_to_conversion": dig(summary, "daysToConversion"),
        "is_journey_ready": dig(summary, "ready"),
    }


def order_record(node: dict) -> dict:
    """An ``Order`` node. Landing UTMs are those of the first visit of the customer
    journey; shipping city is the comuna and province the region in Chile."""
    shipping = node.get("shippingAddress")
    return {
        "order_id": legacy_id(node["id"]),
        "order_name": node.get("name"),
        "customer_id": legacy_id(dig(node, "customer", "id")),
        "email": node.get("email"),
        "created_at": utc_timestamp(node.get("createdAt")),
        "processed_at": utc_timestamp(node.get("processedAt")),
        "cancelled_at": utc_timestamp(node.get("cancelledAt")),
        "cancel_reason": node.get("cancelReason"),
        "closed_at": utc_timestamp(node.get("closedAt")),
        "updated_at": utc_timestamp(node.get("updatedAt")),
        "currency": node.get("currencyCode"),
        "financial_status": node.get("displayFinancialStatus"),
        "fulfillment_status": node.get("displayFulfillmentStatus"),
        "subtotal_amount": shop_money(node.get("subtotalPriceSet")),
        "total_discounts_amount": shop_money(node.get("totalDiscountsSet")),
        "total_shipping_amount": shop_money(node.get("totalShippingPriceSet")),
        "total_tax_amount": shop_money(node.get("totalTaxSet")),
        "total_amount": shop_money(node.get("totalPriceSet")),
        "total_refunded_amount": shop_money(node.get("totalRefundedSet")),
        "taxes_included": node.get("taxesIncluded"),
        "is_test": node.get("test"),
        "source_name": node.get("sourceName"),
        **journey_columns(node.get("customerJourneySummary")),
        "shipping_city": dig(shipping, "city"),
        "shipping_province": dig(shipping, "province"),
        "shipping_province_code": dig(shipping, "provinceCode"),
        "shipping_country_code": dig(shipping, "countryCodeV2"),
        "rating": rating_value(node.get("rating")),
        "tags": joined_tags(node.get("tags")),
    }


def order_keys(order: dict) -> dict:
    """What every child record carries of its order (``order_updated_at`` is its bookmark)."""
    return {"order_id": order["order_id"], "order_updated_at": order["updated_at"]}


def order_line_record(node: dict, order: dict) -> dict:
    """A ``LineItem`` of ``order`` (an order record)."""
    return {
        "order_line_id": legacy_id(node["id"]),
        **order_keys(order),
        "product_id": legacy_id(dig(node, "product", "id")),
        "product_title": node.get("title"),
        "variant_id": legacy_id(dig(node, "variant", "id")),
        "variant_title": node.get("variantTitle"),
        "sku": node.get("sku"),
        "quantity": node.get("quantity"),
        "unit_price_amount": shop_money(node.get("originalUnitPriceSet")),
        "original_total_amount": shop_money(node.get("originalTotalSet")),
        "discount_amount": shop_money(node.get("totalDiscountSet")),
    }


def transaction_record(node: dict, order: dict) -> dict:
    """An ``OrderTransaction`` of ``order``. Error codes are lowercased to the
    REST spelling (``card_declined``) that the contract and the demo use."""
    error_code = node.get("errorCode")
    return {
        "transaction_id": legacy_id(node["id"]),
        **order_keys(order),
        "kind": node.get("kind"),
        "status": node.get("status"),
        "gateway": node.get("gateway"),
        "amount": shop_money(node.get("amountSet")),
        "currency": shop_currency(node.get("amountSet")),
        "error_code": None if error_code is None else error_code.lower(),
        "created_at": utc_timestamp(node.get("createdAt")),
        "processed_at": utc_timestamp(node.get("processedAt")),
    }


def refund_record(node: dict, order: dict) -> dict:
    """A ``Refund`` of ``order``."""
    return {
        "refund_id": legacy_id(node["id"]),
        **order_keys(order),
        "created_at": utc_timestamp(node.get("createdAt")),
        "amount": shop_money(node.get("totalRefundedSet")),
        "currency": shop_currency(node.get("totalRefundedSet")),
        "note": node.get("note"),
    }


def fulfillment_record(node: dict, order: dict) -> dict:
    """A ``Fulfillment`` of ``order``."""
    return {
        "fulfillment_id": legacy_id(node["id"]),
        **order_keys(order),
        "status": node.get("status"),
        "created_at": utc_timestamp(node.get("createdAt")),
        "updated_at": utc_timestamp(node.get("updatedAt")),
        "delivered_at": utc_timestamp(node.get("deliveredAt")),
    }


def checkout_record(node: dict) -> dict:
    """An ``AbandonedCheckout`` node.

    Shopify lists only checkouts that were abandoned at some point, including those the
    buyer later recovered: a recovered checkout carries ``completedAt``. Checkouts that
    were completed without ever being abandoned are not listed (they exist only as
    orders), and an abandoned checkout has no link to the order it became, so
    ``order_id`` is always null from this source.
    https://shopify.dev/docs/api/admin-graphql/latest/queries/abandonedCheckouts
    """
    return {
        "checkout_id": legacy_id(node["id"]),
        "customer_id": legacy_id(dig(node, "customer", "id")),
        "email": dig(node, "customer", "defaultEmailAddress", "emailAddress"),
        "order_id": None,
        "created_at": utc_timestamp(node.get("createdAt")),
        "updated_at": utc_timestamp(node.get("updatedAt")),
        "completed_at": utc_timestamp(node.get("completedAt")),
        "items_count": node.get("lineItemsQuantity"),
        "total_amount": shop_money(node.get("totalPriceSet")),
        "currency": shop_currency(node.get("totalPriceSet")),
    }
