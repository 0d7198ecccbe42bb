"""The funnel per channel (doc block kpi_channel_funnel), computed in pandas from the raw landed
tables: the ad platforms' and Search Console's reports for reach, GA4's report for sessions,
and the oracle's Shop (kpi_oracle.py) for checkouts and orders. Written from the doc block,
not from the mart.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from tests.cerebro.serving.kpis.kpi_oracle import Shop, _in_period, _ratio
from tests.cerebro.serving.kpis.kpi_oracle_reference import (
    DIRECT,
    Reference,
    channel_group,
    ga4_channel,
)

#: Raw reach tables: (schema.table, date column, channel group), as each vendor reports a day
#: of its account. Search Console reports Google's organic results.
REACH_TABLES = (
    ("raw_meta_ads.ads_insights", "date_start", "Meta Ads"),
    ("raw_google_ads.campaign_performance", "date", "Google Ads"),
    ("raw_tiktok_ads.campaign_reports", "stat_date", "TikTok Ads"),
    ("raw_amazon_ads.sp_campaigns", "date", "Amazon Ads"),
    ("raw_search_console.performance_by_date", "date", "SEO / Orgánico"),
)


def load_reach(warehouse) -> pd.DataFrame:
    """Impressions and clicks per tenant, day and channel group, from every landed table."""
    frames = []
    for table, date_column, channel in REACH_TABLES:
        schema, name = table.split(".")
        if not warehouse.table_exists(schema, name):
            continue
        rows = warehouse.query(
            f"select tenant_id, {date_column} as day, impressions, clicks from {table}"
        )
        rows["day"] = pd.to_datetime(rows["day"]).dt.date
        frames.append(rows.assign(channel=channel))
    reach = pd.concat(frames, ignore_index=True)
    reach[["impressions", "clicks"]] = reach[["impressions", "clicks"]].astype(float)
    return reach


def load_sessions(warehouse) -> pd.DataFrame:
    """GA4's sessions per tenant, day, session source and medium; no rows without GA4."""
    columns = ["tenant_id", "day", "source", "medium", "sessions"]
    if not warehouse.table_exists("raw_ga4", "traffic_daily"):
        return pd.DataFrame(columns=columns)
    rows = warehouse.query(
        "select tenant_id, date as day, session_source as source, session_medium as medium,"
        " sessions from raw_ga4.traffic_daily"
    )
    rows["day"] = pd.to_datetime(rows["day"]).dt.date
    return rows[columns]


def _order_channels(shop: Shop, reference: Reference) -> pd.Series:
    """Each order's channel: its landing visit's UTMs and referrer (Directo without any)."""
    return pd.Series(
        [
            channel_group(reference, source, medium, referrer)
            for source, medium, referrer in zip(
                shop.orders["landing_utm_source"], shop.orders["landing_utm_medium"],
                shop.orders["referring_site"], strict=True,
            )
        ],
        index=shop.orders.index,
        dtype=object,
    )  # fmt: skip


def channel_kpis(
    shop: Shop,
    reach: pd.DataFrame,
    sessions: pd.DataFrame,
    reference: Reference,
    date_from: dt.date,
    date_to: dt.date,
) -> dict:
    orders = shop.orders.assign(channel=_order_channels(shop, reference))
    valid = orders[orders["is_valid"]].sort_values(["created_at", "order_id"])
    # A buyer's first valid order by creation time then id; a guest's order is never a repeat.
    known = valid[valid["customer_id"].notna()]
    number = known.groupby("customer_id").cumcount() + 1
    repeat_ids = set(known.loc[number > 1, "order_id"])
    valid = valid[_in_period(valid["created_date"], date_from, date_to)]

    checkouts = shop.checkouts[_in_period(shop.checkouts["created_date"], date_from, date_to)]
    order_channel = orders.set_index("order_id")["channel"]
    customer_channel = shop.customers.set_index("customer_id")["channel"]
    checkout_channels = [
        order_channel[order_id] if order_id in order_channel.index
        else customer_channel.get(customer_id, DIRECT) if customer_id is not None else DIRECT
        for order_id, customer_id in zip(checkouts["order_id"], checkouts["customer_id"],
                                         strict=True)
    ]  # fmt: skip

    mine = reach[(reach["tenant_id"] == shop.tenant_id)]
    mine = mine[_in_period(mine["day"], date_from, date_to)]
    steps: dict[str, dict] = {}

    def step(channel: str) -> dict:
        return steps.setdefault(
            channel,
            {"impressions": None, "clicks": None, "sessions": None, "checkouts_created": 0,
             "valid_orders": 0, "repeat_orders": 0},
        )  # fmt: skip

    for channel, rows in mine.groupby("channel"):
        step(channel).update(
            impressions=int(rows["impressions"].sum()), clicks=int(rows["clicks"].sum())
        )
    visits = sessions[sessions["tenant_id"] == shop.tenant_id]
    visits = visits[_in_period(visits["day"], date_from, date_to)]
    for source, medium, count in zip(
        visits["source"], visits["medium"], visits["sessions"], strict=True
    ):
        counts = step(ga4_channel(reference, source, medium))
        counts["sessions"] = (counts["sessions"] or 0) + int(count)
    for channel in checkout_channels:
        step(channel)["checkouts_created"] += 1
    for channel, order_id in zip(valid["channel"], valid["order_id"], strict=True):
        step(channel)["valid_orders"] += 1
        step(channel)["repeat_orders"] += order_id in repeat_ids

    rows = [
        {
            "channel": channel,
            **counts,
            "click_through_rate": _ratio(counts["clicks"] or 0, counts["impressions"] or 0),
            "click_to_checkout_rate": _ratio(counts["checkouts_created"], counts["clicks"] or 0),
            "session_to_checkout_rate": _ratio(
                counts["checkouts_created"], counts["sessions"] or 0
            ),
            "checkout_to_order_rate": _ratio(counts["valid_orders"], counts["checkouts_created"]),
            "repeat_order_share": _ratio(counts["repeat_orders"], counts["valid_orders"]),
        }
        for channel, counts in steps.items()
    ]
    rows.sort(key=lambda row: (-row["valid_orders"], row["channel"]))
    totals = {
        name: sum(row[name] or 0 for row in rows)
        for name in ("checkouts_created", "valid_orders", "repeat_orders")
    }
    # A step no channel reports (sessions without GA4) is None in total too.
    for name in ("impressions", "clicks", "sessions"):
        reported = [row[name] for row in rows if row[name] is not None]
        totals[name] = sum(reported) if reported else None
    return {**totals, "channel_funnel": rows}
