"""Search Console breakdowns and the ad reports' account settings, as the real taps land them.

Oracles: Search Console's own arithmetic (every click lands on one page, so
pages add up to the day; anonymized queries are left out, so queries add up to
less; rows without impressions do not exist), its ``dataState: all`` flags (the
last days are incomplete, and ``first_incomplete_date`` says from when), and
the tenant settings the ad accounts are configured with (timezone, currency, or the currency
the demo settings bill an account in).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from tap_cerebro_demo.generator.profiles import PROFILES
from tap_cerebro_demo.generator.reports import INCOMPLETE_DAYS


def daily(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame.groupby("date")[column].sum()


def test_pages_add_up_to_the_days_clicks_and_queries_to_less(small_dataset):
    streams = small_dataset.streams
    by_date = streams["performance_by_date"].set_index("date")
    by_page, by_query = streams["performance_by_page"], streams["performance_by_query"]
    pages = daily(by_page, "clicks").reindex(by_date.index, fill_value=0)
    queries = daily(by_query, "clicks").reindex(by_date.index, fill_value=0)
    assert (pages == by_date["clicks"]).all()
    assert (queries <= by_date["clicks"]).all()
    assert 0.5 < queries.sum() / by_date["clicks"].sum() < 0.9
    for frame in (by_page, by_query):
        assert (frame["impressions"] > 0).all(), "Search Console has no rows without impressions"
        assert (frame["clicks"] <= frame["impressions"]).all()
        assert frame["ctr"].between(0, 1).all()


def test_only_the_last_days_are_flagged_incomplete_from_first_incomplete_date(small_dataset):
    end = small_dataset.settings.end_date
    first_incomplete = end - dt.timedelta(days=INCOMPLETE_DAYS - 1)
    for stream in ("performance_by_date", "performance_by_page", "performance_by_query"):
        frame = small_dataset.streams[stream]
        assert set(frame["first_incomplete_date"]) == {first_incomplete}, stream
        incomplete = frame["date"] >= first_incomplete
        assert (frame.loc[incomplete, "data_state"] == "incomplete").all(), stream
        assert (frame.loc[~incomplete, "data_state"] == "final").all(), stream
        assert incomplete.any() and (~incomplete).any(), stream


def test_ad_accounts_report_in_the_tenants_timezone_and_currency(small_dataset):
    settings = small_dataset.settings
    meta = small_dataset.streams["ads_insights"]
    google = small_dataset.streams["campaign_performance"]
    tiktok = small_dataset.streams["campaign_reports"]
    assert set(meta["account_timezone"]) == {settings.timezone}
    assert set(google["time_zone"]) == {settings.timezone}
    assert set(tiktok["timezone"]) == {settings.timezone}
    profile = PROFILES[settings.profile]
    # Each account bills in the store's currency unless the settings bill it in another
    # (casafacil_cl's Meta account in USD; test_demo_generator_exchange_rates.py).
    billed = {source: dict(settings.billed_in).get(source, profile.currency)
              for source in ("meta_ads", "google_ads", "tiktok_ads")}  # fmt: skip
    assert set(meta["account_currency"]) == {billed["meta_ads"]}
    assert set(small_dataset.streams["ad_accounts"]["account_currency"]) == {billed["meta_ads"]}
    assert set(google["currency_code"]) == {billed["google_ads"]}
    assert set(tiktok["currency"]) == {billed["tiktok_ads"]}


def test_each_ad_account_was_read_every_day_of_the_history_dark_days_included(small_dataset):
    settings, streams = small_dataset.settings, small_dataset.streams
    first = settings.end_date - dt.timedelta(days=settings.days - 1)
    for accounts, report, key, day in (
        ("ad_accounts", "ads_insights", "account_id", "date_start"),
        ("accounts", "campaign_performance", "account_id", "date"),
        ("advertisers", "campaign_reports", "advertiser_id", "stat_date"),
    ):
        (account,) = streams[accounts].to_dict("records")
        assert (account["report_start_date"], account["report_end_date"]) == (
            first,
            settings.end_date,
        ), accounts
        assert set(streams[report][key]) == {account[key]}, accounts
        # Pulsed and flighted buying leaves days without delivery: no rows, yet read.
        days_with_rows = set(streams[report][day])
        assert first <= min(days_with_rows) and max(days_with_rows) <= settings.end_date
        assert len(days_with_rows) < settings.days, accounts
    assert streams["sp_campaigns"].empty and streams["profiles"].empty
    assert streams["ad_spend"].empty, "TikTok spend comes through its API stream, not a CSV"


def test_meta_purchases_are_whole_counts_with_value_only_when_purchased(small_dataset):
    meta = small_dataset.streams["ads_insights"]
    assert (meta["purchases"] >= 0).all() and (meta["purchases"] % 1 == 0).all()
    assert (meta["purchases"] <= meta["clicks"]).all()
    assert (meta.loc[meta["purchases"] == 0, "purchase_value"] == 0).all()
    assert (meta.loc[meta["purchases"] > 0, "purchase_value"] > 0).all()
    assert meta["purchases"].sum() > 0
