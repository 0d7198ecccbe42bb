"""The monthly subscription MRR waterfall (mart_subscription_mrr_monthly, decision 0071) against
an independent pandas oracle, on crafted raw Stripe subscriptions built by the real dbt project
on DuckDB and on PostgreSQL.

The oracle reads the definitions as decision 0071 states them, from the raw rows: a
subscription bills its recurring amount per `billing_interval_count` intervals (a year is
twelve months, a week 12/52 of one, a day 12/365), converted at its day of creation's rate; it
counts from the end of its trial (its start without one) until it ended, unless Stripe calls it
trialing, incomplete or paused; a subscriber's MRR at a month's end is what their subscriptions
then counting bill, at the instant the local month ends; movements compare each subscriber's
MRR at the end of consecutive months.

The crafted store (CLP, Santiago), January to June 2026, the snapshot landed on 20 June:
an upgrade made mid-month by replacing a subscription (c1, March), a downgrade (c2, April), a
yearly plan cancelled (c3, churned in May), a churn and a reactivation (c4, February and May),
a subscription still in its trial (c5), a two-weekly plan whose trial ended in March (c6), an
incomplete one (c7), one billed in dollars (c8), one cancelled during its trial (c9), one
started and cancelled inside January (c10), one started at 23:00 on 28 February in Santiago (02:00
on 1 March in UTC: February's), one past due (c12); and a Peruvian store's quarterly plan.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pandas as pd
import pytest

from cerebro.warehouse import Warehouse
from tests.dbt_project.marts.crafted_dbt import (
    build_models,
    crafted_warehouse,
    raw_frame,
    warehouse_environ,
    write_tenants,
)

T = dt.datetime.fromisoformat
LANDED = T("2026-06-20 12:00")
TENANTS = {"t_cl": "America/Santiago", "t_pe": "America/Lima"}
CURRENCIES = {"t_cl": "CLP", "t_pe": "PEN"}
#: Dollars in pesos on 2 March 2026 (the dollar subscription's day of creation).
USD_RATE = 950.0
#: Months per billing interval, as Stripe's intervals read in a calendar year.
MONTHS_PER = {"day": 12 / 365, "week": 12 / 52, "month": 1.0, "year": 12.0}


def _subscription(
    tenant, sub_id, customer, status, amount, start, *, interval="month", count=1, quantity=1,
    currency=None, trial_end=None, ended=None,
) -> dict:  # fmt: skip
    return {
        "tenant_id": tenant, "subscription_id": sub_id, "customer_id": customer,
        "status": status, "currency": currency or CURRENCIES[tenant].lower(),
        "billing_interval": interval, "billing_interval_count": count, "items_count": 1,
        "quantity": quantity, "recurring_amount": amount, "created_at": T(start),
        "started_at": T(start), "trial_start_at": T(start) if trial_end else None,
        "trial_end_at": T(trial_end) if trial_end else None,
        "cancel_at_period_end": False,
        "canceled_at": T(ended) if ended else None, "ended_at": T(ended) if ended else None,
    }  # fmt: skip


SUBSCRIPTIONS = [
    # c1: basic, then an upgrade on 15 March that replaced the subscription.
    _subscription("t_cl", "s1", "c1", "canceled", 10_000, "2026-01-10 15:00",
                  ended="2026-03-15 15:00"),
    _subscription("t_cl", "s1b", "c1", "active", 25_000, "2026-03-15 15:00"),
    # c2: two seats at 20 000 each (the raw amount is price times quantity), downgraded on 20 April.
    _subscription("t_cl", "s2", "c2", "canceled", 40_000, "2026-02-03 15:00", quantity=2,
                  ended="2026-04-20 15:00"),
    _subscription("t_cl", "s2b", "c2", "active", 15_000, "2026-04-20 15:00"),
    # c3: a yearly plan, cancelled on 2 May.
    _subscription("t_cl", "s3", "c3", "canceled", 120_000, "2026-01-05 15:00", interval="year",
                  ended="2026-05-02 15:00"),
    # c4: churned in February, back in May.
    _subscription("t_cl", "s4", "c4", "canceled", 30_000, "2026-01-20 15:00",
                  ended="2026-02-10 15:00"),
    _subscription("t_cl", "s4b", "c4", "active", 30_000, "2026-05-12 15:00"),
    # c5: still in its trial.
    _subscription("t_cl", "s5", "c5", "trialing", 12_000, "2026-06-01 15:00",
                  trial_end="2026-07-01 15:00"),
    # c6: billed every two weeks once its trial ended on 3 March.
    _subscription("t_cl", "s6", "c6", "active", 2_000, "2026-02-20 15:00", interval="week",
                  count=2, trial_end="2026-03-03 15:00"),
    # c7: its first payment never went through.
    _subscription("t_cl", "s7", "c7", "incomplete_expired", 9_000, "2026-04-07 15:00"),
    # c8: billed in dollars.
    _subscription("t_cl", "s8", "c8", "active", 50, "2026-03-02 15:00", currency="usd"),
    # c9: cancelled during its trial.
    _subscription("t_cl", "s9", "c9", "canceled", 11_000, "2026-04-01 15:00",
                  trial_end="2026-04-15 15:00", ended="2026-04-10 15:00"),
    # c10: started and cancelled inside January: never held MRR at a month's end.
    _subscription("t_cl", "s10", "c10", "canceled", 5_000, "2026-01-02 15:00",
                  ended="2026-01-25 15:00"),
    # c11: 23:00 on 28 February in Santiago (UTC-3), 02:00 on 1 March in UTC.
    _subscription("t_cl", "s11", "c11", "active", 7_000, "2026-03-01 02:00"),
    # c12: past due still owes its MRR.
    _subscription("t_cl", "s12", "c12", "past_due", 9_000, "2026-04-02 15:00"),
    # A Peruvian store's quarterly plan.
    _subscription("t_pe", "p1", "k1", "active", 300, "2026-01-15 15:00", count=3),
]  # fmt: skip


def land(warehouse: Warehouse, subscriptions: list[dict] = SUBSCRIPTIONS) -> None:
    """The crafted raw rows and tenants (``subscriptions``: the crafted store's by default)."""
    rates = [
        {"tenant_id": "t_cl", "base_currency": "USD", "quote_currency": "CLP",
         "rate_date": dt.date(2026, 3, 2), "rate": USD_RATE, "series_id": "crafted"}
    ]  # fmt: skip
    for table, rows in {
        "stripe.subscriptions": subscriptions,
        "exchange_rates.daily_rates": rates,
    }.items():
        source, stream = table.split(".")
        warehouse.replace_table(f"raw_{source}", stream, raw_frame(source, stream, rows, LANDED))
    write_tenants(warehouse, TENANTS, CURRENCIES)


# The oracle --------------------------------------------------------------------------------

NOT_MRR = {"trialing", "incomplete", "incomplete_expired", "paused"}
MONEY = ["opening_mrr_amount", "new_mrr_amount", "expansion_mrr_amount",
         "contraction_mrr_amount", "churned_mrr_amount", "reactivation_mrr_amount",
         "closing_mrr_amount"]  # fmt: skip
COUNTS = ["opening_subscribers", "new_subscribers", "reactivated_subscribers",
          "churned_subscribers", "active_subscribers"]  # fmt: skip
RATES = ["logo_churn_rate", "mrr_churn_rate", "net_revenue_retention"]


def _local(moment: dt.datetime, tenant: str) -> pd.Timestamp:
    return pd.Timestamp(moment, tz="UTC").tz_convert(TENANTS[tenant]).tz_localize(None)


def _monthly_amount(row: dict) -> float:
    rate = USD_RATE if row["currency"] == "usd" else 1.0
    months = MONTHS_PER[row["billing_interval"]] * row["billing_interval_count"]
    return row["recurring_amount"] * rate / months


def _mrr_at(tenant: str, month_end: pd.Timestamp) -> dict[str, float]:
    """Each subscriber's MRR at the local instant ``month_end`` (the next month's first)."""
    held: dict[str, float] = {}
    for row in SUBSCRIPTIONS:
        if row["tenant_id"] != tenant or row["status"] in NOT_MRR:
            continue
        paid_from = max(row["started_at"], row["trial_end_at"] or row["started_at"])
        if _local(paid_from, tenant) >= month_end:
            continue
        if row["ended_at"] is not None and _local(row["ended_at"], tenant) < month_end:
            continue
        held[row["customer_id"]] = held.get(row["customer_id"], 0.0) + _monthly_amount(row)
    return held


def expected_waterfall(tenant: str) -> pd.DataFrame:
    """Months from the first with MRR to the snapshot's (June), movements per subscriber."""
    last = _local(LANDED, tenant).to_period("M")
    months = pd.period_range("2025-12", last, freq="M")
    balances = {month: _mrr_at(tenant, (month + 1).to_timestamp()) for month in months}
    ever: set[str] = set()
    rows = []
    started = False
    for previous, month in itertools.pairwise(months):
        opening, closing = balances[previous], balances[month]
        started = started or bool(closing)
        if not started:
            continue
        row = {"tenant_id": tenant, "mrr_month": month.to_timestamp().date()}
        row.update(dict.fromkeys(MONEY + COUNTS, 0))
        for customer in set(opening) | set(closing):
            before, after = opening.get(customer, 0.0), closing.get(customer, 0.0)
            row["opening_mrr_amount"] += before
            row["closing_mrr_amount"] += after
            row["opening_subscribers"] += before > 0
            row["active_subscribers"] += after > 0
            if before == 0 and after > 0 and customer not in ever:
                row["new_mrr_amount"] += after
                row["new_subscribers"] += 1
            elif before == 0 and after > 0:
                row["reactivation_mrr_amount"] += after
                row["reactivated_subscribers"] += 1
            elif before > 0 and after == 0:
                row["churned_mrr_amount"] += before
                row["churned_subscribers"] += 1
            elif after > before:
                row["expansion_mrr_amount"] += after - before
            elif after < before:
                row["contraction_mrr_amount"] += before - after
        ever |= set(closing)
        base = row["opening_mrr_amount"]
        row["logo_churn_rate"] = (
            row["churned_subscribers"] / row["opening_subscribers"]
            if row["opening_subscribers"]
            else None
        )
        row["mrr_churn_rate"] = (
            (row["churned_mrr_amount"] + row["contraction_mrr_amount"]) / base if base else None
        )
        row["net_revenue_retention"] = (
            (base + row["expansion_mrr_amount"] - row["contraction_mrr_amount"]
             - row["churned_mrr_amount"]) / base if base else None
        )  # fmt: skip
        rows.append(row)
    return pd.DataFrame(rows)


# Built on DuckDB and PostgreSQL ------------------------------------------------------------


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def built(request, tmp_path_factory) -> Warehouse:
    directory = tmp_path_factory.mktemp(f"subscription_mrr_{request.param}")
    environ = warehouse_environ(request, request.param, directory)
    warehouse = crafted_warehouse(environ)
    land(warehouse)
    seconds = build_models(environ, directory, "+mart_subscription_mrr_monthly")
    print(f"dbt build of the subscription MRR mart on {request.param}: {seconds:.1f} s")
    return warehouse


def built_mart(warehouse: Warehouse, tenant: str) -> pd.DataFrame:
    frame = warehouse.query(
        f"select * from marts.mart_subscription_mrr_monthly where tenant_id = '{tenant}'"
        " order by mrr_month"
    )
    frame["mrr_month"] = pd.to_datetime(frame["mrr_month"]).dt.date
    return frame


def assert_matches_the_oracle(actual: pd.DataFrame, tenant: str) -> None:
    """The built mart's rows of ``tenant`` are the oracle's, month by month."""
    expected = expected_waterfall(tenant)
    assert actual["mrr_month"].tolist() == expected["mrr_month"].tolist()
    for column in MONEY:
        assert pd.to_numeric(actual[column]).astype(float).tolist() == pytest.approx(
            expected[column].astype(float).tolist(), abs=1e-6
        ), column
    for column in COUNTS:
        assert actual[column].astype(int).tolist() == expected[column].tolist(), column
    for column in RATES:
        got = [None if pd.isna(v) else float(v) for v in actual[column]]
        want = [None if v is None or pd.isna(v) else float(v) for v in expected[column]]
        assert [g is None for g in got] == [w is None for w in want], column
        assert [g for g in got if g is not None] == pytest.approx(
            [w for w in want if w is not None]
        ), column


@pytest.mark.parametrize("tenant", sorted(TENANTS))
def test_the_mrr_waterfall_matches_the_oracle(built, tenant):
    assert_matches_the_oracle(built_mart(built, tenant), tenant)


def test_hand_worked_months(built):
    """Figures worked by hand from the scenario, beside the oracle."""
    mart = built_mart(built, "t_cl").set_index("mrr_month")
    january, february = mart.loc[dt.date(2026, 1, 1)], mart.loc[dt.date(2026, 2, 1)]
    march, april, may = (mart.loc[dt.date(2026, m, 1)] for m in (3, 4, 5))
    # January: c1 10 000, c3's yearly 120 000 as 10 000, c4 30 000; c10 came and went.
    assert float(january["new_mrr_amount"]) == pytest.approx(50_000)
    assert int(january["active_subscribers"]) == 3
    # February: c4 churned (30 000 of 50 000 opening); c2's two seats and c11 (local 28 Feb).
    assert float(february["churned_mrr_amount"]) == pytest.approx(30_000)
    assert float(february["new_mrr_amount"]) == pytest.approx(47_000)
    assert february["logo_churn_rate"] == pytest.approx(1 / 3)
    # March: c1's upgrade mid-month, c6 after its trial, c8's 50 dollars.
    assert float(march["expansion_mrr_amount"]) == pytest.approx(15_000)
    assert float(march["new_mrr_amount"]) == pytest.approx(2_000 * 52 / 12 / 2 + 50 * USD_RATE)
    # April: c2's downgrade; c12 past due is MRR; c7 (incomplete) and c9 (trial) are not.
    assert float(april["contraction_mrr_amount"]) == pytest.approx(25_000)
    assert float(april["new_mrr_amount"]) == pytest.approx(9_000)
    # May: c3's yearly plan churned, c4 came back.
    assert float(may["churned_mrr_amount"]) == pytest.approx(10_000)
    assert float(may["reactivation_mrr_amount"]) == pytest.approx(30_000)
    assert int(may["reactivated_subscribers"]) == 1
    # c5 is still trialing in June: no new MRR.
    assert float(mart.loc[dt.date(2026, 6, 1), "new_mrr_amount"]) == 0
