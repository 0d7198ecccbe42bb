"""Página "Canales", section "Campañas": per campaign, spend and what the platform reports,
first- and last-click revenue, new customers and what they are worth, read from
mart_campaign_performance (doc block kpi_campaign_performance; decision 0070).

The mart is monthly (a campaign is read, bought and cut by the month), so a period reads the
calendar months it touches; the page says which (``months``)."""

from __future__ import annotations

from cerebro.serving.kpis.period import count, kpi_request, month_labels, number, ratio

_BY_CAMPAIGN = """
    select channel_group, campaign_key,
           min(campaign_name) as campaign_name,
           sum(spend_amount) as spend_amount,
           sum(platform_conversions) as platform_conversions,
           sum(platform_conversion_value_amount) as platform_conversion_value_amount,
           sum(first_click_revenue_amount) as first_click_revenue_amount,
           sum(last_click_revenue_amount) as last_click_revenue_amount,
           sum(new_customers) as new_customers,
           sum(predicted_customers) as predicted_customers,
           sum(predicted_clv_12m_amount) as predicted_clv_12m_amount,
           sum(prob_alive_sum) as prob_alive_sum,
           sum(repurchase_observed_customers) as repurchase_observed_customers,
           sum(repurchased_customers) as repurchased_customers,
           count(months_observed) as cohorts_with_spend,
           count(payback_months) as cohorts_paid_back,
           max(payback_months) as slowest_payback_months
    from marts.mart_campaign_performance
    where tenant_id = %(tenant_id)s
        and month_start_date between %(month_from)s and %(date_to)s
    group by 1, 2
"""


def _campaign_row(record: dict) -> dict:
    spend = number(record["spend_amount"]) or 0.0
    paid_back = count(record["cohorts_paid_back"])
    return {
        "channel": record["channel_group"],
        "campaign": record["campaign_name"],
        "spend": spend,
        "platform_conversions": number(record["platform_conversions"]),
        "platform_value": number(record["platform_conversion_value_amount"]),
        "first_click_revenue": number(record["first_click_revenue_amount"]) or 0.0,
        "last_click_revenue": number(record["last_click_revenue_amount"]) or 0.0,
        "new_customers": count(record["new_customers"]),
        # CAC only where the campaign spent (KPIS.md: paid spend / new customers).
        "cac": ratio(spend, record["new_customers"]) if spend else None,
        "predicted_clv_12m": ratio(
            record["predicted_clv_12m_amount"], record["predicted_customers"]
        ),
        "prob_alive": ratio(record["prob_alive_sum"], record["predicted_customers"]),
        "repurchase_rate": ratio(
            record["repurchased_customers"], record["repurchase_observed_customers"]
        ),
        # The slowest cohort's months, only once every cohort with spend has paid back.
        "payback_months": (
            count(record["slowest_payback_months"])
            if paid_back and paid_back == count(record["cohorts_with_spend"])
            else None
        ),
    }


def get_campaign_kpis(tenant_id, date_from, date_to, *, warehouse=None) -> dict:
    """`cerebro kpis campaigns`: every campaign of the calendar months the period touches,
    by channel, the campaigns that spent most first; campaigns with no UTM name are the
    channel's ``(sin campaña)`` row, never left out."""
    with kpi_request(tenant_id, date_from, date_to, warehouse) as request:
        rows = request.query(_BY_CAMPAIGN, month_from=request.date_from.replace(day=1))
        months = month_labels(request.date_from, request.date_to)
    rows = rows.sort_values(
        ["channel_group", "spend_amount", "new_customers", "campaign_name"],
        ascending=[True, False, False, True],
    )
    return {
        "months": f"{months[0]} → {months[-1]}",
        "campaigns": [_campaign_row(record) for record in rows.to_dict("records")],
    }
