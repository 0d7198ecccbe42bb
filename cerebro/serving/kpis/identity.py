"""Página "Clientes": what identity resolution by RUT changes, read from
mart_customer_identity_daily (doc block kpi_customer_identity; decision 0037)."""

from __future__ import annotations

from cerebro.serving.kpis.period import count, kpi_request, ratio

_AS_OF = """
    select sum(customer_records) as customer_records,
           sum(merged_records) as merged_records,
           sum(rut_merged_records) as rut_merged_records,
           sum(email_merged_records) as email_merged_records,
           sum(phone_merged_records) as phone_merged_records,
           sum(record_buyers) as record_buyers,
           sum(record_repeat_buyers) as record_repeat_buyers,
           sum(person_buyers) as person_buyers,
           sum(person_repeat_buyers) as person_repeat_buyers
    from marts.mart_customer_identity_daily
    where tenant_id = %(tenant_id)s and activity_date <= %(date_to)s
"""
RULES = ("rut", "email", "phone")


def get_identity_kpis(tenant_id, date_from, date_to, *, warehouse=None) -> dict:
    """Up to date_to: customer records, how many were merged into an earlier record's person
    (in total and per rule), and the repurchase rate counted per record and per person."""
    with kpi_request(tenant_id, date_from, date_to, warehouse) as request:
        row = request.query(_AS_OF).iloc[0]
        return {
            "customer_records": count(row["customer_records"]),
            "merged_records": count(row["merged_records"]),
            "merged_by_rule": [
                {"rule": rule, "records": count(row[f"{rule}_merged_records"])} for rule in RULES
            ],
            "repurchase_rate_by_record": ratio(row["record_repeat_buyers"], row["record_buyers"]),
            "repurchase_rate_by_person": ratio(row["person_repeat_buyers"], row["person_buyers"]),
        }
