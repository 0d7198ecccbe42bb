"""Página "Engagement y Conversión": read from the daily order, checkout and service marts
(doc blocks kpi_cart_abandonment_rate, kpi_orders, kpi_purchase_frequency,
kpi_conversion_by_service)."""

from __future__ import annotations

from cerebro.serving.kpis.period import count, distribution, kpi_request, number, ratio

_ABANDONMENT = """
    select sum(abandoned_checkouts) as abandoned, sum(eligible_checkouts) as eligible
    from marts.mart_checkouts_daily
    where tenant_id = %(tenant_id)s and created_date between %(date_from)s and %(date_to)s
"""
_ORDERS = """
    select sum(valid_orders) as valid_orders, sum(valid_orders_amount) as valid_amount
    from marts.mart_orders_daily
    where tenant_id = %(tenant_id)s and created_date between %(date_from)s and %(date_to)s
"""
_BUYERS = """
    select count(distinct customer_id) as buyers, sum(valid_orders) as valid_orders
    from marts.mart_customer_orders_daily
    where tenant_id = %(tenant_id)s and created_date between %(date_from)s and %(date_to)s
"""
_SERVICES = """
    select service_name as service, sum(orders_with_service) as orders,
           sum(units) as units, sum(revenue) as revenue
    from marts.mart_services_daily
    where tenant_id = %(tenant_id)s and created_date between %(date_from)s and %(date_to)s
    group by 1
"""
_PAYMENT_METHODS = """
    select payment_method, sum(valid_orders) as orders
    from marts.mart_orders_daily
    where tenant_id = %(tenant_id)s and created_date between %(date_from)s and %(date_to)s
        and valid_orders > 0
    group by 1
"""


def _abandonment_rate(request) -> float | None:
    row = request.query(_ABANDONMENT).iloc[0]
    return ratio(row["abandoned"], row["eligible"])


def get_cart_abandonment_rate(tenant_id, date_from, date_to, *, warehouse=None) -> dict:
    """Checkouts created in the period that never became an order, over all of them."""
    with kpi_request(tenant_id, date_from, date_to, warehouse) as request:
        return {"cart_abandonment_rate": _abandonment_rate(request)}


def get_engagement_kpis(tenant_id, date_from, date_to, *, warehouse=None) -> dict:
    """Cart abandonment, AOV, purchase frequency, conversion by service, payment methods."""
    with kpi_request(tenant_id, date_from, date_to, warehouse) as request:
        orders = request.query(_ORDERS).iloc[0]
        buyers = request.query(_BUYERS).iloc[0]
        services = request.query(_SERVICES).sort_values(
            ["orders", "service"], ascending=[False, True]
        )
        return {
            "cart_abandonment_rate": _abandonment_rate(request),
            "aov": ratio(orders["valid_amount"], orders["valid_orders"]),
            "purchase_frequency": ratio(buyers["valid_orders"], buyers["buyers"]),
            "conversion_by_service": [
                {
                    "service": row["service"],
                    "orders": count(row["orders"]),
                    "units": count(row["units"]),
                    "revenue": number(row["revenue"]),
                }
                for row in services.to_dict("records")
            ],
            "payment_methods": distribution(
                request.query(_PAYMENT_METHODS), "payment_method", "orders"
            ),
        }
