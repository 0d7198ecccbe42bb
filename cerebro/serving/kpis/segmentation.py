"""Página "Segmentación y Marketing": RFM as of date_to, read from the table function
marts.mart_rfm_customers_as_of (definition: the dbt doc block kpi_rfm,
dbt_project/models/marts/kpis/_kpis__docs.md)."""

from __future__ import annotations

import pandas as pd

from cerebro.serving.kpis.period import distribution, kpi_request, number

# The customer list is what `cerebro segment export` writes for a campaign, so e-mail and
# phone come in clear from mart_customer_contacts, the one mart that has them (decision 0014).
# The contacts are cut to the tenant by the parameter: PostgreSQL does not carry the tenant
# from inside the table function to the join, and would hash every tenant's contacts.
_RFM_CUSTOMERS = """
    select rfm.customer_id, contacts.email, contacts.phone,
           rfm.recency_days, rfm.frequency, rfm.monetary,
           rfm.r_score, rfm.f_score, rfm.m_score, rfm.segment
    from marts.mart_rfm_customers_as_of(%(tenant_id)s, cast(%(date_to)s as date)) as rfm
    left join marts.mart_customer_contacts as contacts
        on contacts.tenant_id = %(tenant_id)s and contacts.customer_id = rfm.customer_id
    order by rfm.customer_id
"""
_SEGMENTS = """
    select segment, count(*) as customers, sum(monetary) as revenue
    from marts.mart_rfm_customers_as_of(%(tenant_id)s, cast(%(date_to)s as date))
    group by 1
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
        segments = request.query(_SEGMENTS)
        revenue = dict(zip(segments["segment"], segments["revenue"], strict=True))
        return {
            "segment_distribution": [
                {**row, "revenue": number(revenue[row["segment"]])}
                for row in distribution(segments, "segment", "customers")
            ],
            "customers": rfm_customers(request),
        }
