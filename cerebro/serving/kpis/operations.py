"""Página "Operaciones y Calidad": read from mart_order_completions_daily and mart_orders_daily
(doc blocks kpi_order_completions, kpi_orders)."""

from __future__ import annotations

from cerebro.serving.kpis.period import count, distribution, kpi_request, ratio

_COMPLETIONS = """
    select sum(completed_orders) as completed, sum(service_cycle_hours_total) as cycle_hours,
           sum(rated_orders) as rated, sum(ratings_total) as ratings_total
    from marts.mart_order_completions_daily
    where tenant_id = %(tenant_id)s and completed_date between %(date_from)s and %(date_to)s
"""
_CREATED = """
    select sum(orders_created) as created, sum(cancelled_orders) as cancelled
    from marts.mart_orders_daily
    where tenant_id = %(tenant_id)s and created_date between %(date_from)s and %(date_to)s
"""
_VALID_BY_COMUNA = """
    select comuna, sum(valid_orders) as orders
    from marts.mart_orders_daily
    where tenant_id = %(tenant_id)s and created_date between %(date_from)s and %(date_to)s
        and valid_orders > 0
    group by 1
"""
_VALID_BY_HOUR = """
    select created_hour as hour, sum(valid_orders) as orders
    from marts.mart_orders_daily
    where tenant_id = %(tenant_id)s and created_date between %(date_from)s and %(date_to)s
    group by 1
"""


def get_operations_kpis(tenant_id, date_from, date_to, *, warehouse=None) -> dict:
    """Service cycle time, cancellation rate, orders by comuna and local hour, ratings."""
    with kpi_request(tenant_id, date_from, date_to, warehouse) as request:
        completions = request.query(_COMPLETIONS).iloc[0]
        created = request.query(_CREATED).iloc[0]
        by_hour = request.query(_VALID_BY_HOUR)
        per_hour = {
            int(h): count(n) for h, n in zip(by_hour["hour"], by_hour["orders"], strict=True)
        }
        return {
            "avg_service_cycle_hours": ratio(completions["cycle_hours"], completions["completed"]),
            "cancellation_rate": ratio(created["cancelled"], created["created"]),
            "orders_by_comuna": distribution(
                request.query(_VALID_BY_COMUNA), "comuna", "orders", share=False
            ),
            "orders_by_hour": [{"hour": h, "orders": per_hour.get(h, 0)} for h in range(24)],
            "avg_rating": ratio(completions["ratings_total"], completions["rated"]),
            "ratings_count": count(completions["rated"]),
        }
