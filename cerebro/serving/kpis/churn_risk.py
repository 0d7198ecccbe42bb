"""The customers of one churn-risk segment of the customer-value model (doc block
kpi_customer_value), as `cerebro segment export` writes them for a rescue campaign: as of the
model's cut-off, with contacts, and ordered by recoverable value (what a call or a coupon can
still save, P(alive) times value if retained), most first."""

from __future__ import annotations

import pandas as pd

from cerebro.serving.kpis.period import tenant_request

# E-mail and phone come in clear from mart_customer_contacts, the one mart that has them
# (decision 0014).
_SEGMENT_CUSTOMERS = """
    select value.customer_id, contacts.first_name, contacts.last_name, contacts.email,
           contacts.phone, value.churn_risk_segment, value.cutoff_date, value.prob_alive,
           value.recoverable_value, value.clv_if_retained_12m, value.value_at_risk,
           value.predicted_clv_12m, value.rfm_recency_days
    from marts.mart_customer_value as value
    left join marts.mart_customer_contacts as contacts
        on contacts.tenant_id = value.tenant_id and contacts.customer_id = value.customer_id
    where value.tenant_id = %(tenant_id)s and value.churn_risk_segment = %(segment)s
    order by value.recoverable_value desc nulls last, value.customer_id
"""


def churn_risk_customers(tenant_id, segment: str, *, warehouse=None) -> pd.DataFrame:
    """Every customer of the tenant in churn-risk ``segment`` (e.g. ``CLIENTE PERDIDO``), most
    recoverable value first; no rows when nobody is in it."""
    with tenant_request(tenant_id, warehouse) as request:
        return request.query(_SEGMENT_CUSTOMERS, segment=segment)
