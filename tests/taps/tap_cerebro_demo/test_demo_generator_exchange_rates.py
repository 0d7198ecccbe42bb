"""The demo store's USD-billed Meta account and its dólar observado series (decision 0061).

Oracles: the same store generated with its Meta account billed in pesos (settings without
``billed_in``), whose every stream but Meta's money and the accounts' currency, and whose
truth, must be identical (the rates draw from their own random stream); Meta's
dollars times the rate in force that day (the last rate dated on or before it, computed here
with pandas) give back those pesos to within half a cent's worth; the rates are published on
banking days only, against the store's own calendar stream.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest
from cerebro_raw_contract import raw_stream
from cerebro_raw_contract.demo_profiles import DEMO_RATE_CURRENCIES
from tap_cerebro_demo.generator.dataset import generate
from tap_cerebro_demo.generator.profiles import PROFILES
from tap_cerebro_demo.generator.storage import DemoDataset

from tests.taps.tap_cerebro_demo.conftest import SMALL_TENANTS

#: Meta's money columns, and the columns that say which currency an account bills in.
META_MONEY = ("spend", "purchase_value")


@pytest.fixture(scope="module")
def billed_in_pesos() -> DemoDataset:
    """The small Chilean store's twin with every account billed in pesos."""
    return generate(dataclasses.replace(SMALL_TENANTS["cl_services"], billed_in=()))


def rate_in_force(rates: pd.DataFrame, days: pd.Series) -> np.ndarray:
    """The last rate dated on or before each day."""
    published = rates.assign(rate_date=pd.to_datetime(rates["rate_date"])).sort_values("rate_date")
    asked = pd.DataFrame({"day": pd.to_datetime(days).to_numpy(), "order": np.arange(len(days))})
    found = pd.merge_asof(
        asked.sort_values("day"), published, left_on="day", right_on="rate_date"
    ).sort_values("order")
    return found["rate"].to_numpy()


def test_the_chilean_store_bills_meta_in_dollars_and_lands_its_rates(small_datasets):
    cl = small_datasets["cl_services"]
    assert SMALL_TENANTS["cl_services"].billed_in == (("meta_ads", "USD"),)
    assert set(cl.streams["ads_insights"]["account_currency"]) == {"USD"}
    rates = cl.streams["daily_rates"]
    assert list(rates.columns) == list(raw_stream("exchange_rates", "daily_rates").schema()
                                       ["properties"])  # fmt: skip
    assert set(zip(rates["base_currency"], rates["quote_currency"], rates["series_id"],
                   strict=True)) == {("USD", "CLP", "F073.TCO.PRE.Z.D")}  # fmt: skip
    assert (rates["rate"] > 0).all() and (rates["rate"].round(2) == rates["rate"]).all()
    assert rates["rate_date"].is_unique and rates["rate_date"].is_monotonic_increasing
    assert rates["rate"].min() > 600 and rates["rate"].max() < 1300


def test_rates_are_published_on_banking_days_from_before_the_history_to_its_end(small_datasets):
    cl, settings = small_datasets["cl_services"], SMALL_TENANTS["cl_services"]
    days = set(cl.streams["daily_rates"]["rate_date"])
    events = cl.streams["events"]
    holidays = set(events.loc[events["event_type"] == "public_holiday", "event_date"])
    first = settings.end_date - dt.timedelta(days=settings.days - 1)
    assert min(days) < first <= max(days) + dt.timedelta(days=3) and max(days) <= settings.end_date
    assert all(day.weekday() < 5 for day in days)
    assert not days & holidays
    expected = {
        first + dt.timedelta(days=k)
        for k in range(settings.days)
        if (first + dt.timedelta(days=k)).weekday() < 5
        and first + dt.timedelta(days=k) not in holidays
    }
    assert expected <= days, "every banking day of the history has its rate"


def test_a_currency_without_rates_is_refused_before_anything_is_generated():
    for profile, currency in (("cl_services", "EUR"), ("pe_services", "USD")):
        with pytest.raises(ValueError, match=f"demo profile {profile} has no exchange rates"):
            dataclasses.replace(SMALL_TENANTS[profile], billed_in=(("meta_ads", currency),))
    assert {
        name: profile.exchange_rates.base_currency
        for name, profile in PROFILES.items()
        if profile.exchange_rates is not None
    } == DEMO_RATE_CURRENCIES


def test_the_peruvian_store_lands_no_rates(small_datasets):
    rates = small_datasets["pe_services"].streams["daily_rates"]
    assert rates.empty
    assert list(rates.columns) == list(raw_stream("exchange_rates", "daily_rates").schema()
                                       ["properties"])  # fmt: skip


def test_dollars_times_the_rate_in_force_give_back_the_pesos_the_simulation_spent(
    small_datasets, billed_in_pesos
):
    dollars = small_datasets["cl_services"].streams["ads_insights"]
    pesos = billed_in_pesos.streams["ads_insights"]
    keys = ["campaign_id", "date_start"]
    assert dollars[keys].values.tolist() == pesos[keys].values.tolist()
    rate = rate_in_force(small_datasets["cl_services"].streams["daily_rates"],
                         dollars["date_start"])  # fmt: skip
    assert not np.isnan(rate).any(), "every day with spend has a rate in force"
    for column in META_MONEY:
        converted = dollars[column].to_numpy() * rate
        # Billed in cents: off by at most half a cent, at that day's rate.
        assert (np.abs(converted - pesos[column].to_numpy()) <= 0.005 * rate + 1e-6).all()
        assert (dollars[column].round(2) == dollars[column]).all()
    assert dollars["spend"].sum() * rate.mean() == pytest.approx(pesos["spend"].sum(), rel=0.05)


def test_nothing_else_of_the_store_changes(small_datasets, billed_in_pesos):
    dollars = small_datasets["cl_services"]
    # The truth stays in pesos; only its echo of the settings says how Meta bills.
    truth, pesos_truth = dict(dollars.truth), dict(billed_in_pesos.truth)
    assert truth.pop("settings") == {
        **pesos_truth.pop("settings"),
        "billed_in": (("meta_ads", "USD"),),
    }
    assert truth == pesos_truth
    for name, frame in dollars.streams.items():
        other = billed_in_pesos.streams[name]
        if name == "ads_insights":
            frame = frame.drop(columns=[*META_MONEY, "account_currency"])
            other = other.drop(columns=[*META_MONEY, "account_currency"])
        elif name == "ad_accounts":
            frame, other = frame.drop(columns="account_currency"), other.drop(
                columns="account_currency")  # fmt: skip
        pd.testing.assert_frame_equal(frame, other, obj=name)
    assert set(billed_in_pesos.streams["ad_accounts"]["account_currency"]) == {"CLP"}
    assert set(billed_in_pesos.streams["ads_insights"]["account_currency"]) == {"CLP"}
