"""Contribution margin and profit (Resumen ejecutivo, Canales): read from mart_margin_daily
(doc block kpi_contribution_margin) and mart_cac_payback (doc block kpi_cac_payback)."""

from __future__ import annotations

import pandas as pd

from cerebro.serving.kpis.period import count, kpi_request, month_label, number, ratio

_BY_CHANNEL = """
    select channel_group,
           sum(valid_orders) as valid_orders,
           sum(uncosted_orders) as uncosted_orders,
           sum(net_revenue_amount) as net_revenue,
           sum(cogs_amount) as cogs,
           sum(payment_fee_amount) as payment_fees,
           sum(order_cost_amount) as order_costs,
           sum(contribution_margin_amount) as contribution_margin,
           sum(ad_spend_amount) as ad_spend,
           sum(net_profit_amount) as net_profit
    from marts.mart_margin_daily
    where tenant_id = %(tenant_id)s and margin_date between %(date_from)s and %(date_to)s
    group by 1
"""
#: The cohorts of every month the period touches.
_PAYBACK = """
    select channel_group, cohort_month, new_customers, acquisition_spend_amount, cac_amount,
           cohort_margin_amount, months_observed, payback_months
    from marts.mart_cac_payback
    where tenant_id = %(tenant_id)s
        and cohort_month >= cast(date_trunc('month', cast(%(date_from)s as date)) as date)
        and cohort_month <= %(date_to)s
"""
COUNTS = ("valid_orders", "uncosted_orders")
AMOUNTS = ("net_revenue", "cogs", "payment_fees", "order_costs", "contribution_margin",
           "ad_spend", "net_profit")  # fmt: skip


def _money(value) -> float:
    """A sum of amounts; 0 for a period without rows (nothing earned, nothing spent)."""
    return number(value) or 0.0


def _figures(sums: dict) -> dict:
    return {
        **{name: count(sums[name]) for name in COUNTS},
        **{name: _money(sums[name]) for name in AMOUNTS},
        "contribution_margin_rate": ratio(sums["contribution_margin"], sums["net_revenue"]),
        "margin_per_order": ratio(sums["contribution_margin"], sums["valid_orders"]),
    }


def _payback_row(record: dict) -> dict:
    payback = record["payback_months"]
    return {
        "channel": record["channel_group"],
        "cohort_month": month_label(record["cohort_month"]),
        "new_customers": count(record["new_customers"]),
        "acquisition_spend": _money(record["acquisition_spend_amount"]),
        "cac": number(record["cac_amount"]),
        "cohort_margin": _money(record["cohort_margin_amount"]),
        "months_observed": count(record["months_observed"]),
        "payback_months": None if payback is None or pd.isna(payback) else int(payback),
    }


def get_margin_kpis(tenant_id, date_from, date_to, *, warehouse=None) -> dict:
    """Net revenue without tax, its costs, the contribution margin and its rate, ad spend and
    net profit (Beneficio neto) of the valid orders created in the period, in total and per
    channel (the largest margin first); and the CAC payback of each paid channel's cohorts of
    the months the period touches."""
    with kpi_request(tenant_id, date_from, date_to, warehouse) as request:
        rows = request.query(_BY_CHANNEL)
        rows = rows.sort_values(["contribution_margin", "channel_group"], ascending=[False, True])
        totals = {name: rows[name].sum() for name in (*COUNTS, *AMOUNTS)}
        cohorts = request.query(_PAYBACK).sort_values(["channel_group", "cohort_month"])
        return {
            **_figures(totals),
            "margin_by_channel": [
                {"channel": record["channel_group"], **_figures(record)}
                for record in rows.to_dict("records")
            ],
            "cac_payback": [_payback_row(record) for record in cohorts.to_dict("records")],
        }
