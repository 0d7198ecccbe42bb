"""Página "Retención y Lealtad" (KPIS.md): computed on the history up to date_to."""

from __future__ import annotations

import datetime as dt

from cerebro.kpis.period import count, kpi_request, number, ratio

COHORT_MONTHS = 12  # offsets 0..11, as the dbt var cohort_retention_months

_CUSTOMERS = """
    select count(*) as buyers,
           sum(case when valid_orders >= 2 then 1 else 0 end) as repeat_buyers,
           sum(net_amount) as net_amount
    from (
        select customer_id, sum(valid_orders) as valid_orders,
               sum(valid_orders_net_amount) as net_amount
        from marts.mart_customer_orders_daily
        where tenant_id = %(tenant_id)s and created_date <= %(date_to)s
        group by 1
    ) as per_customer
"""
# Months as integers (year * 12 + month - 1): the same arithmetic on every warehouse.
_MONTHLY_ACTIVE = """
    select extract(year from activity_date) * 12 + extract(month from activity_date) - 1
               as month_index,
           count(distinct customer_id) as active_customers
    from marts.mart_customer_activity_daily
    where tenant_id = %(tenant_id)s and activity_date between %(date_from)s and %(date_to)s
    group by 1
"""
_COHORTS = """
    with customer_months as (
        select distinct customer_id,
               extract(year from created_date) * 12 + extract(month from created_date) - 1
                   as month_index
        from marts.mart_customer_orders_daily
        where tenant_id = %(tenant_id)s and created_date <= %(date_to)s
    ),
    cohorts as (
        select customer_id, min(month_index) as cohort_index
        from customer_months
        group by 1
    )
    select cohorts.cohort_index,
           customer_months.month_index - cohorts.cohort_index as month_offset,
           count(*) as retained_customers
    from cohorts
    inner join customer_months on cohorts.customer_id = customer_months.customer_id
    where cohorts.cohort_index between %(first_month)s and %(last_month)s
    group by 1, 2
"""


def _month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def _month_label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def get_retention_kpis(tenant_id, date_from, date_to, *, warehouse=None) -> dict:
    """Repurchase rate and historical LTV up to date_to, MAU per month of the period, and
    the cohort retention matrix of the cohorts that started in the period (offsets 0..11
    reached by date_to)."""
    with kpi_request(tenant_id, date_from, date_to, warehouse) as request:
        customers = request.query(_CUSTOMERS).iloc[0]
        first, last = _month_index(request.date_from), _month_index(request.date_to)

        active = request.query(_MONTHLY_ACTIVE)
        per_month = {
            int(m): count(n)
            for m, n in zip(active["month_index"], active["active_customers"], strict=True)
        }
        cohorts = request.query(_COHORTS, first_month=first, last_month=last)
        retained = {
            (int(c), int(k)): count(n)
            for c, k, n in zip(
                cohorts["cohort_index"],
                cohorts["month_offset"],
                cohorts["retained_customers"],
                strict=True,
            )
        }
        matrix = []
        for cohort in sorted({c for c, _ in retained}):
            size = retained[(cohort, 0)]
            for offset in range(min(COHORT_MONTHS, last - cohort + 1)):
                kept = retained.get((cohort, offset), 0)
                matrix.append(
                    {
                        "cohort_month": _month_label(cohort),
                        "month_offset": offset,
                        "cohort_customers": size,
                        "retained_customers": kept,
                        "retention_rate": ratio(kept, size),
                    }
                )
        return {
            "repurchase_rate": ratio(customers["repeat_buyers"], customers["buyers"]),
            "historical_ltv": ratio(number(customers["net_amount"]), customers["buyers"]),
            "mau": [
                {"month": _month_label(m), "active_customers": per_month.get(m, 0)}
                for m in range(first, last + 1)
            ],
            "cohort_retention": matrix,
        }
