"""The campaign rule's arithmetic (metric ``campaign_customer_gap``): which campaign's
customers are worth least against the rest of their channel, on the sums of
mart_campaign_performance (doc block kpi_campaign_performance; decision 0070)."""

from __future__ import annotations

import pandas as pd

CAMPAIGN_COHORTS = """
    select channel_group, campaign_key, min(campaign_name) as campaign_name,
           sum(new_customers) as new_customers,
           sum(predicted_customers) as predicted_customers,
           sum(predicted_clv_12m_amount) as predicted_clv_12m_amount,
           sum(repurchase_observed_customers) as repurchase_observed_customers,
           sum(repurchased_customers) as repurchased_customers
    from marts.mart_campaign_performance
    where tenant_id = %(tenant_id)s and month_start_date between %(month_from)s and %(date_to)s
    group by 1, 2
"""
#: The channel's touches without a UTM campaign: part of the channel, never a campaign to cut.
NO_CAMPAIGN = "(sin campaña)"
#: A campaign's figure counts only when it and the rest of its channel rest on at least this
#: many customers (the rule's `min_customers`), so a small campaign's bad luck never fires.
DEFAULT_MIN_CUSTOMERS = 30


def min_customers_setting(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"min_customers must be a whole number of customers >= 1, got {value!r}")
    return value


def _rate(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def _campaign_ratios(campaign: pd.Series, rest: pd.Series, least: int) -> dict[str, tuple]:
    """Each figure of the campaign and of the rest of its channel, where both rest on at least
    ``least`` customers and the channel's is above 0: {figure: (campaign's, rest's)}."""
    figures = {
        "repurchase": ("repurchased_customers", "repurchase_observed_customers"),
        "value": ("predicted_clv_12m_amount", "predicted_customers"),
    }
    found = {}
    for figure, (numerator, denominator) in figures.items():
        if min(campaign[denominator], rest[denominator]) < least:
            continue
        mine = _rate(campaign[numerator], campaign[denominator])
        theirs = _rate(rest[numerator], rest[denominator])
        if theirs:
            found[figure] = (mine, theirs)
    return found


def worst_campaign(rows: pd.DataFrame, least: int) -> tuple | None:
    """(score, campaign name, its row, its figures) of the campaign whose customers' 60-day
    repurchase rate or mean predicted 12-month value is lowest against the rest of its
    channel's (the lower of the two ratios; ties by name), or None when no campaign and its
    channel rest on ``least`` customers. ``(sin campaña)`` is part of its channel, never a
    campaign."""
    sums = rows.columns.drop(["channel_group", "campaign_key", "campaign_name"])
    rows = rows.assign(**{column: rows[column].astype(float) for column in sums})
    channels = rows.groupby("channel_group")[list(sums)].sum()
    worst: tuple | None = None
    for row in rows[rows["campaign_key"] != NO_CAMPAIGN].to_dict("records"):
        campaign = pd.Series(row)[sums].astype(float)
        found = _campaign_ratios(campaign, channels.loc[row["channel_group"]] - campaign, least)
        if not found:
            continue
        score = min(mine / theirs for mine, theirs in found.values())
        if worst is None or (score, row["campaign_name"]) < worst[:2]:
            worst = (score, row["campaign_name"], row, found)
    return worst
