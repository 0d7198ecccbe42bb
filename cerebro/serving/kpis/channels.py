"""Página "Canales": the funnel per channel, read from mart_channel_funnel_daily (doc block
kpi_channel_funnel), and the value of a new customer per channel, read from
mart_new_customer_value (doc block kpi_new_customer_value)."""

from __future__ import annotations

import pandas as pd

from cerebro.serving.kpis.period import count, kpi_request, ratio

_BY_CHANNEL = """
    select channel_group,
           sum(impressions) as impressions,
           sum(clicks) as clicks,
           sum(sessions) as sessions,
           sum(checkouts_created) as checkouts_created,
           sum(valid_orders) as valid_orders,
           sum(repeat_orders) as repeat_orders
    from marts.mart_channel_funnel_daily
    where tenant_id = %(tenant_id)s and funnel_date between %(date_from)s and %(date_to)s
    group by 1
"""
#: Not a figure of the period: what a new customer of each channel brings in their first 12
#: months, as of the data's cut-off.
_NEW_CUSTOMER_VALUE = """
    select channel_group, customer_value_amount, first_order_value_amount, value_basis_label,
           horizon_days
    from marts.mart_new_customer_value
    where tenant_id = %(tenant_id)s and customer_value_amount is not null
    order by customer_value_amount desc, channel_group
"""
#: Steps every channel has (zero when nothing happened).
STEPS = ("checkouts_created", "valid_orders", "repeat_orders")
#: Steps only some sources report: impressions and clicks (ad platforms, Search Console),
#: sessions (GA4). None where no source reports them, not zero.
REPORTED_STEPS = ("impressions", "clicks", "sessions")


def _reported(value) -> int | None:
    """A step only some sources report: None where none does (not zero)."""
    return None if value is None or pd.isna(value) else int(value)


def _funnel_row(channel: str, steps: dict) -> dict:
    return {
        "channel": channel,
        "impressions": _reported(steps["impressions"]),
        "clicks": _reported(steps["clicks"]),
        "click_through_rate": ratio(steps["clicks"], steps["impressions"]),
        "sessions": _reported(steps["sessions"]),
        "checkouts_created": count(steps["checkouts_created"]),
        "click_to_checkout_rate": ratio(steps["checkouts_created"], steps["clicks"]),
        "session_to_checkout_rate": ratio(steps["checkouts_created"], steps["sessions"]),
        "valid_orders": count(steps["valid_orders"]),
        "checkout_to_order_rate": ratio(steps["valid_orders"], steps["checkouts_created"]),
        "repeat_orders": count(steps["repeat_orders"]),
        "repeat_order_share": ratio(steps["repeat_orders"], steps["valid_orders"]),
    }


def get_channel_kpis(tenant_id, date_from, date_to, *, warehouse=None) -> dict:
    """The funnel's steps in the period (impressions and clicks of the channels that report
    them, GA4's sessions where the tenant lands GA4, checkouts, valid orders, repeat orders),
    in total and per channel with the conversion from each step to the next, channels with
    the most valid orders first."""
    with kpi_request(tenant_id, date_from, date_to, warehouse) as request:
        rows = request.query(_BY_CHANNEL)
        rows = rows.sort_values(["valid_orders", "channel_group"], ascending=[False, True])
        return {
            **{step: _reported(rows[step].sum(min_count=1)) for step in REPORTED_STEPS},
            **{step: count(rows[step].sum()) for step in STEPS},
            "channel_funnel": [
                _funnel_row(record["channel_group"], record) for record in rows.to_dict("records")
            ],
        }


def get_channels_page(tenant_id, date_from, date_to, *, warehouse=None) -> dict:
    """`cerebro kpis channels`: the funnel of the period (``get_channel_kpis``) and the value
    of a new customer of each channel (its first 12 months, first order included, on
    contribution margin or revenue as ``basis`` says), the most valuable first."""
    page = get_channel_kpis(tenant_id, date_from, date_to, warehouse=warehouse)
    with kpi_request(tenant_id, date_from, date_to, warehouse) as request:
        values = request.query(_NEW_CUSTOMER_VALUE)
    page["new_customer_value"] = [
        {
            "channel": record["channel_group"],
            "new_customer_value": float(record["customer_value_amount"]),
            "first_order_value": float(record["first_order_value_amount"]),
            "basis": record["value_basis_label"],
            "horizon_days": count(record["horizon_days"]),
        }
        for record in values.to_dict("records")
    ]
    return page
