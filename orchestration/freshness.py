"""Freshness policies, defined once: what the daily and hourly schedules promise.

The schedule runs at 02:00 America/Santiago; a healthy asset is at most a day and a couple of
hours old. Past 36 hours a whole daily run was missed: the asset fails its freshness (the same
36 hours as the "source not synced" alert rule, cerebro/alerts.yml).
"""

import datetime as dt

import dagster as dg

DAILY_FRESHNESS = dg.FreshnessPolicy.time_window(
    fail_window=dt.timedelta(hours=36), warn_window=dt.timedelta(hours=26)
)

#: The operational marts (dbt tag `hourly`) are refreshed every hour for today (decision 0034):
#: the dashboard brief asks for figures at most an hour old; two missed ticks fail them.
HOURLY_FRESHNESS = dg.FreshnessPolicy.time_window(
    fail_window=dt.timedelta(hours=2), warn_window=dt.timedelta(hours=1, minutes=15)
)
