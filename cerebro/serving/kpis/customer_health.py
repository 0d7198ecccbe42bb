"""Página "Retención y Lealtad", customer health: the score's bands over the period's weeks and
the customers whose band dropped in the last one, read from mart_customer_health_weekly (doc
block kpi_customer_health)."""

from __future__ import annotations

from cerebro.serving.kpis.period import count, kpi_request, number, ratio

_WEEKS = """
    select as_of_date, health_band, health_band_rank,
           count(*) as customers
    from marts.mart_customer_health_weekly
    where tenant_id = %(tenant_id)s and as_of_date between %(date_from)s and %(date_to)s
    group by 1, 2, 3
    order by 1, 3
"""
# The drop list is a call list, so name, e-mail and phone come in clear from
# mart_customer_contacts, the one mart that has them (decision 0014). Those who just started
# slipping (best current band) come first, and within a band those with the most left to
# recover: a call saves little of a customer already gone (decision 0047).
_DROPS = """
    select health.customer_id, contacts.first_name, contacts.last_name, contacts.email,
           contacts.phone, health.previous_health_band, health.health_band,
           health.recoverable_value, health.health_score, health.prob_alive,
           health.days_since_last_purchase
    from marts.mart_customer_health_weekly as health
    left join marts.mart_customer_contacts as contacts
        on contacts.tenant_id = health.tenant_id and contacts.customer_id = health.customer_id
    where health.tenant_id = %(tenant_id)s and health.as_of_date = %(as_of_date)s
        and health.is_band_drop
    order by health.health_band_rank, health.recoverable_value desc nulls last,
        health.customer_id
"""
_MEAN_SCORE = """
    select avg(health_score) as mean_health_score
    from marts.mart_customer_health_weekly
    where tenant_id = %(tenant_id)s and as_of_date = %(as_of_date)s
"""


def get_customer_health_kpis(tenant_id, date_from, date_to, *, warehouse=None) -> dict:
    """As of the period's last week end with a score: the mean score, the customers per band
    (best band first) and those whose band dropped since the week before; and the customers
    per band at every week end of the period."""
    with kpi_request(tenant_id, date_from, date_to, warehouse) as request:
        weeks = request.query(_WEEKS)
        if weeks.empty:
            return {
                "as_of_date": None,
                "mean_health_score": None,
                "band_drops_count": 0,
                "band_distribution": [],
                "band_history": [],
                "band_drops": [],
            }
        as_of = weeks["as_of_date"].max()
        last = weeks[weeks["as_of_date"] == as_of]
        drops = request.query(_DROPS, as_of_date=as_of)
        drops = drops.astype(object).where(drops.notna(), None)
        mean = request.query(_MEAN_SCORE, as_of_date=as_of)["mean_health_score"].iloc[0]
        return {
            "as_of_date": str(as_of)[:10],
            "mean_health_score": number(mean),
            "band_drops_count": len(drops),
            "band_distribution": [
                {
                    "health_band": row["health_band"],
                    "customers": count(row["customers"]),
                    "share": ratio(row["customers"], last["customers"].sum()),
                }
                for row in last.to_dict("records")
            ],
            "band_history": [
                {
                    "as_of_date": str(row["as_of_date"])[:10],
                    "health_band": row["health_band"],
                    "customers": count(row["customers"]),
                }
                for row in weeks.to_dict("records")
            ],
            "band_drops": [
                {
                    **row,
                    "health_score": number(row["health_score"]),
                    "recoverable_value": number(row["recoverable_value"]),
                    "prob_alive": number(row["prob_alive"]),
                    "days_since_last_purchase": count(row["days_since_last_purchase"]),
                }
                for row in drops.to_dict("records")
            ],
        }
