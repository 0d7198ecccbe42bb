"""Página "Segmentación y Marketing" (KPIS.md): RFM as of date_to."""

from __future__ import annotations

import pandas as pd

from cerebro.kpis.period import count, kpi_request, number, ratio

# Same definition as the dbt mart mart_rfm_customers, as of any date_to. The customer list is
# what `cerebro segment export` writes for a campaign, so e-mail and phone come in clear from
# mart_customer_contacts, the one mart that has them (docs/decisions/0014).
_RFM_CUSTOMERS = """
    with per_customer as (
        select customer_id,
               cast(%(date_to)s as date) - max(created_date) as recency_days,
               sum(valid_orders) as frequency,
               sum(valid_orders_net_amount) as monetary
        from marts.mart_customer_orders_daily
        where tenant_id = %(tenant_id)s and created_date <= %(date_to)s
        group by 1
    ),
    scored as (
        select per_customer.*,
               ntile(5) over (order by recency_days desc, customer_id) as r_score,
               ntile(5) over (order by frequency, customer_id) as f_score,
               ntile(5) over (order by monetary, customer_id) as m_score
        from per_customer
    )
    select scored.customer_id, contacts.email, contacts.phone,
           scored.recency_days, scored.frequency, scored.monetary,
           scored.r_score, scored.f_score, scored.m_score, rfm_segments.segment
    from scored
    inner join marts.dim_customers as customers
        on customers.tenant_id = %(tenant_id)s and customers.customer_id = scored.customer_id
    left join marts.mart_customer_contacts as contacts
        on contacts.tenant_id = %(tenant_id)s and contacts.customer_id = scored.customer_id
    left join reference.rfm_segments as rfm_segments
        on scored.r_score = rfm_segments.r_score and scored.f_score = rfm_segments.f_score
    order by scored.customer_id
"""
RFM_COLUMNS = [
    "customer_id", "email", "phone", "recency_days", "frequency", "monetary",
    "r_score", "f_score", "m_score", "segment",
]  # fmt: skip


def rfm_customers(request) -> pd.DataFrame:
    frame = request.query(_RFM_CUSTOMERS)
    if frame.empty:
        return pd.DataFrame(columns=RFM_COLUMNS)
    return frame.astype(
        {"recency_days": int, "frequency": int, "monetary": float,
         "r_score": int, "f_score": int, "m_score": int}
    )[RFM_COLUMNS]  # fmt: skip


def get_rfm_segmentation(tenant_id, date_from, date_to, *, warehouse=None) -> dict:
    """Per-customer RFM values, scores and segment as of date_to, and the segment
    distribution (customers, share, revenue). ``date_from`` only validates the period:
    RFM looks at the whole history up to ``date_to``."""
    with kpi_request(tenant_id, date_from, date_to, warehouse) as request:
        customers = rfm_customers(request)
        total = len(customers)
        segments = (
            customers.groupby("segment", as_index=False)
            .agg(customers=("customer_id", "count"), revenue=("monetary", "sum"))
            .sort_values(["customers", "segment"], ascending=[False, True])
        )
        return {
            "segment_distribution": [
                {
                    "segment": row["segment"],
                    "customers": count(row["customers"]),
                    "share": ratio(row["customers"], total),
                    "revenue": number(row["revenue"]),
                }
                for row in segments.to_dict("records")
            ],
            "customers": customers,
        }
