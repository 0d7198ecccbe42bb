"""Página "Retención y Lealtad": figures on the history up to date_to, read from
mart_customer_retention_daily and mart_cohort_retention (definitions: the dbt doc block
kpi_retention, dbt_project/models/marts/kpis/_kpis__docs.md)."""

from __future__ import annotations

from cerebro.serving.kpis.period import count, kpi_request, month_label, month_labels, ratio

_AS_OF = """
    select sum(new_buyers) as buyers, sum(new_repeat_buyers) as repeat_buyers,
           sum(valid_orders_net_amount) as net_amount
    from marts.mart_customer_retention_daily
    where tenant_id = %(tenant_id)s and activity_date <= %(date_to)s
"""
_MONTHLY_ACTIVE = """
    select activity_month, count(distinct customer_id) as active_customers
    from marts.mart_customer_retention_daily
    where tenant_id = %(tenant_id)s and activity_date between %(date_from)s and %(date_to)s
    group by 1
"""
# The matrix's cells are the cut-off's (mart_cohort_retention) of the cohorts that started in
# the period, at the months date_to reached; the counts, the customer days up to date_to.
_COHORTS = """
    with cells as (
        select cohort_month, month_offset
        from marts.mart_cohort_retention
        where tenant_id = %(tenant_id)s
            and cohort_month >= cast(date_trunc('month', cast(%(date_from)s as date)) as date)
            and activity_month <= %(date_to)s
    ),
    retained as (
        select cohort_month, month_offset, sum(new_month_buyers) as retained_customers
        from marts.mart_customer_retention_daily
        where tenant_id = %(tenant_id)s and activity_date <= %(date_to)s
            and cohort_month >= cast(date_trunc('month', cast(%(date_from)s as date)) as date)
        group by 1, 2
    )
    select cells.cohort_month, cells.month_offset,
           cohorts.retained_customers as cohort_customers,
           coalesce(retained.retained_customers, 0) as retained_customers
    from cells
    inner join retained as cohorts
        on cohorts.cohort_month = cells.cohort_month and cohorts.month_offset = 0
    left join retained
        on retained.cohort_month = cells.cohort_month
        and retained.month_offset = cells.month_offset
    order by 1, 2
"""


def get_retention_kpis(tenant_id, date_from, date_to, *, warehouse=None) -> dict:
    """Repurchase rate and historical LTV up to date_to, MAU per month of the period, and
    the cohort retention matrix of the cohorts that started in the period (offsets reached
    by date_to)."""
    with kpi_request(tenant_id, date_from, date_to, warehouse) as request:
        history = request.query(_AS_OF).iloc[0]
        active = request.query(_MONTHLY_ACTIVE)
        per_month = {
            month_label(month): count(customers)
            for month, customers in zip(
                active["activity_month"], active["active_customers"], strict=True
            )
        }
        return {
            "repurchase_rate": ratio(history["repeat_buyers"], history["buyers"]),
            "historical_ltv": ratio(history["net_amount"], history["buyers"]),
            "mau": [
                {"month": label, "active_customers": per_month.get(label, 0)}
                for label in month_labels(request.date_from, request.date_to)
            ],
            "cohort_retention": [
                {
                    "cohort_month": month_label(cell["cohort_month"]),
                    "month_offset": count(cell["month_offset"]),
                    "cohort_customers": count(cell["cohort_customers"]),
                    "retained_customers": count(cell["retained_customers"]),
                    "retention_rate": ratio(cell["retained_customers"], cell["cohort_customers"]),
                }
                for cell in request.query(_COHORTS).to_dict("records")
            ],
        }
