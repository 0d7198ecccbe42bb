"""Currency conversion in staging (decision 0061) against an independent pandas oracle, on
crafted raw rows built by the real dbt project on DuckDB and on PostgreSQL.

The oracle reads the rule as the decision states it: a rate is in force from the day its
provider dates it until the next one, for at most `exchange_rate_max_days_carried` days; a pair
quoted in the tenant's currency is used as it is, the reverse pair inverted, the direct one
preferred on a day both landed; a pair without the tenant's currency converts nothing; an amount
in the tenant's currency (or naming none) keeps its value. Every ad source converts: Meta and
Amazon billed in USD and an export in UF (CLF) for a CLP store, TikTok in USD for a PEN store
whose rates landed as PEN in USD (inverted), Google in the store's own currency.

A store's sales convert too: an order in dollars of a CLP store, placed at 22:00 on Monday 9
March in Santiago (01:00 on the 10th in UTC), converts with its lines, its payment (taken on
the 16th) and its refund (the 18th) at 9 March's rate, the order's local day, so the facts'
reconciliation tests still hold; its checkout converts at its own local day.

Hand-worked cases beside the oracle: Meta's USD spend on Saturday 14 March uses Thursday 12
March's rate (Friday 13 is a bank holiday here, three days carried); on 27 March the rate of
Friday 20, the last, is seven days old and still in force; 28 March has none, and a build with
such rows fails `has_exchange_rate` naming the tenant, the currency and the days, and the
currency test names the rows too (a separate DuckDB warehouse)."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml

from cerebro.settings import DBT_PROJECT_DIR
from cerebro.warehouse import Warehouse
from tests.dbt_project.marts.crafted_dbt import (
    build_models,
    crafted_warehouse,
    raw_frame,
    warehouse_environ,
    write_tenants,
)
from tests.support.dbt_in_process import run_dbt

D = dt.date.fromisoformat
LANDED = dt.datetime(2026, 4, 1, 6, 0)
TENANTS = {"t_cl": "America/Santiago", "t_pe": "America/Lima"}
CURRENCIES = {"t_cl": "CLP", "t_pe": "PEN"}
MARCH = [D("2026-03-01") + dt.timedelta(days=k) for k in range(31)]
HOLIDAY = D("2026-03-13")
#: What the build selects: the ad fact and everything it reads, the rates model.
AD_SELECTION = ("+fct_ad_spend_daily", "+int_exchange_rates_carried_forward")
#: And the sales facts, with the tests that reconcile them and the currency test.
SELECTION = (
    *AD_SELECTION,
    "+fct_orders",
    "+fct_order_lines",
    "+fct_checkouts",
    "+assert_order_totals_reconcile_with_lines",
    "+assert_revenue_reconciles_with_staging",
    "+assert_amounts_in_tenant_currency",
)
#: The dollar order: placed 22:00 on 9 March in Santiago (UTC-3), paid on the 16th, 40 of its
#: 100 dollars refunded on the 18th; and a peso order beside it.
T = dt.datetime.fromisoformat
ORDER_PLACED = T("2026-03-10 01:00")
SALES = {
    "shopify.customers": [
        {"tenant_id": "t_cl", "customer_id": "c1", "email": "ana@tienda.cl", "state": "enabled",
         "verified_email": True, "created_at": T("2026-03-01 12:00"),
         "updated_at": T("2026-03-18 12:00")},
    ],
    "shopify.orders": [
        {"tenant_id": "t_cl", "order_id": order_id, "order_name": f"#{order_id}",
         "customer_id": "c1", "created_at": at, "processed_at": at,
         "updated_at": T("2026-03-18 12:00"),
         "currency": currency, "financial_status": "partially_refunded" if refund else "paid",
         "subtotal_amount": total, "total_discounts_amount": 0, "total_shipping_amount": 0,
         "total_tax_amount": 0, "total_amount": total, "total_refunded_amount": refund,
         "taxes_included": True, "is_test": False, "source_name": "web"}
        for order_id, at, currency, total, refund in (
            ("o1", ORDER_PLACED, "USD", 100.0, 40.0),
            ("o2", T("2026-03-11 15:00"), "CLP", 25_000.0, 0.0),
        )
    ],
    "shopify.order_lines": [
        {"tenant_id": "t_cl", "order_line_id": line_id, "order_id": order_id,
         "order_updated_at": T("2026-03-18 12:00"), "product_id": "p1", "product_title": "Aseo",
         "sku": "ASE-1", "quantity": 1, "unit_price_amount": amount,
         "original_total_amount": amount, "discount_amount": 0}
        for line_id, order_id, amount in (("l1", "o1", 60.0), ("l2", "o1", 40.0),
                                          ("l3", "o2", 25_000.0))
    ],
    "shopify.transactions": [
        {"tenant_id": "t_cl", "transaction_id": f"t{order_id}", "order_id": order_id,
         "order_updated_at": T("2026-03-18 12:00"), "kind": "sale", "status": "success",
         "gateway": "webpay_plus", "amount": amount, "currency": currency,
         "created_at": T("2026-03-16 13:00"), "processed_at": T("2026-03-16 13:00")}
        for order_id, amount, currency in (("o1", 100.0, "USD"), ("o2", 25_000.0, "CLP"))
    ],
    "shopify.refunds": [
        {"tenant_id": "t_cl", "refund_id": "r1", "order_id": "o1",
         "order_updated_at": T("2026-03-18 12:00"), "created_at": T("2026-03-18 12:00"),
         "amount": 40.0, "currency": "USD"},
    ],
    "shopify.checkouts": [
        {"tenant_id": "t_cl", "checkout_id": "k1", "customer_id": "c1", "email": "ana@tienda.cl",
         "order_id": "o1", "created_at": T("2026-03-10 00:50"), "updated_at": ORDER_PLACED,
         "completed_at": ORDER_PLACED, "items_count": 2, "total_amount": 100.0,
         "currency": "USD"},
    ],
}  # fmt: skip


def _max_days_carried() -> int:
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    return int(project["vars"]["exchange_rate_max_days_carried"])


def _banking(day: dt.date, last: dt.date) -> bool:
    return day.weekday() < 5 and day != HOLIDAY and day <= last


def _rates() -> list[tuple]:
    """(tenant, base, quote, day, rate) as the rates source lands them."""
    rows = []
    for k, day in enumerate(MARCH):
        if _banking(day, D("2026-03-20")):
            rows.append(("t_cl", "USD", "CLP", day, 940 + 1.37 * k))
        rows.append(("t_cl", "CLF", "CLP", day, 39_700 + 2.5 * k))
        if _banking(day, D("2026-03-31")):
            # A Peruvian store's rates quoted the other way round: soles in dollars.
            rows.append(("t_pe", "PEN", "USD", day, 0.27 + 0.0003 * k))
            # A pair without the tenant's currency: no cross rates, nothing converts with it.
            rows.append(("t_cl", "EUR", "USD", day, 1.08))
    # One day with the direct quote too, which wins over the inverted one.
    rows.append(("t_pe", "USD", "PEN", D("2026-03-10"), 3.8))
    return rows


def _ad_rows() -> dict[str, list[dict]]:
    """Raw ad rows per table (only the columns that matter; the rest are null)."""
    days = [d for d in MARCH if D("2026-03-02") <= d <= D("2026-03-27")]
    meta = [
        {"tenant_id": "t_cl", "account_id": "act_usd", "account_currency": "USD",
         "campaign_id": "m1", "campaign_name": "Prospección", "date_start": day,
         "spend": round(40 + 3.1 * k, 2), "purchase_value": round(90 + 7.7 * k, 2)}
        for k, day in enumerate(days)
    ] + [
        {"tenant_id": "t_cl", "account_id": "act_clp", "account_currency": "CLP",
         "campaign_id": "m2", "campaign_name": "Remarketing", "date_start": day,
         "spend": 35_000.0 + k, "purchase_value": None}
        for k, day in enumerate(days[:4])
    ] + [
        # An account that names no currency: its amounts are read as the tenant's.
        {"tenant_id": "t_cl", "account_id": "act_none", "account_currency": None,
         "campaign_id": "m3", "campaign_name": "Sin moneda", "date_start": D("2026-03-03"),
         "spend": 12_345.0, "purchase_value": 20_000.0},
    ]  # fmt: skip
    google = [
        {"tenant_id": "t_cl", "account_id": "555", "currency_code": "CLP", "campaign_id": "g1",
         "campaign_name": "Marca", "date": day, "cost_micros": (50_000 + 10 * k) * 1_000_000,
         "conversions_value": 120_000.0}
        for k, day in enumerate(MARCH)
    ]  # fmt: skip
    tiktok = [
        {"tenant_id": "t_pe", "advertiser_id": "700", "currency": "USD", "campaign_id": "t1",
         "campaign_name": "Video", "stat_date": day, "spend": round(15 + 0.9 * k, 2),
         "purchase_value": round(30 + 1.1 * k, 2)}
        for k, day in enumerate(MARCH[1:])  # from Monday 2 March, the store's first rate
    ]  # fmt: skip
    amazon = [
        {"tenant_id": "t_cl", "profile_id": "900", "currency_code": "USD", "campaign_id": "a1",
         "campaign_name": "SP", "date": day, "cost": 21.5, "sales_7d": 80.25, "sales_14d": 99.0}
        for day in (D("2026-03-13"), D("2026-03-14"), D("2026-03-15"), D("2026-03-16"))
    ]  # fmt: skip
    csv = [
        {"tenant_id": "t_cl", "date": day, "platform": "LinkedIn", "account_id": "li",
         "campaign_name": "B2B", "currency": "CLF", "spend": 1.25, "source_file": "li.csv"}
        for day in MARCH
    ]  # fmt: skip
    return {
        "meta_ads.ads_insights": meta,
        "google_ads.campaign_performance": google,
        "tiktok_ads.campaign_reports": tiktok,
        "amazon_ads.sp_campaigns": amazon,
        "csv.ad_spend": csv,
    }


#: Per raw table: platform, account, campaign, day, currency, spend, platform value columns.
FACT_OF = {
    "meta_ads.ads_insights": ("meta_ads", "account_id", "campaign_id", "date_start",
                              "account_currency", "spend", "purchase_value"),
    "google_ads.campaign_performance": ("google_ads", "account_id", "campaign_id", "date",
                                        "currency_code", None, "conversions_value"),
    "tiktok_ads.campaign_reports": ("tiktok_ads", "advertiser_id", "campaign_id", "stat_date",
                                    "currency", "spend", "purchase_value"),
    "amazon_ads.sp_campaigns": ("amazon_ads", "profile_id", "campaign_id", "date",
                                "currency_code", "cost", "sales_7d"),
    "csv.ad_spend": (None, "account_id", None, "date", "currency", "spend", None),
}  # fmt: skip


def land(
    warehouse: Warehouse,
    ad_rows: dict[str, list[dict]],
    rates: list[tuple],
    sales: dict[str, list[dict]] | None = None,
) -> None:
    rate_rows = [
        {"tenant_id": t, "base_currency": b, "quote_currency": q, "rate_date": d, "rate": r,
         "series_id": "crafted"}
        for t, b, q, d, r in rates
    ]  # fmt: skip
    for table, rows in {
        **ad_rows,
        **(sales or {}),
        "exchange_rates.daily_rates": rate_rows,
    }.items():
        source, stream = table.split(".")
        warehouse.replace_table(f"raw_{source}", stream, raw_frame(source, stream, rows, LANDED))
    write_tenants(warehouse, TENANTS, CURRENCIES)


# The oracle --------------------------------------------------------------------------------


def rates_in_force(rates: list[tuple], max_days: int) -> pd.DataFrame:
    """(tenant, currency, rate_date) -> rate into the tenant's currency, observed_date."""
    oriented = []
    for tenant, base, quote, day, rate in rates:
        if quote == CURRENCIES[tenant]:
            oriented.append((tenant, base, day, rate, 1))
        elif base == CURRENCIES[tenant]:
            oriented.append((tenant, quote, day, 1 / rate, 2))
    chosen = (
        pd.DataFrame(oriented, columns=["tenant_id", "currency", "day", "rate", "preference"])
        .sort_values("preference")
        .drop_duplicates(["tenant_id", "currency", "day"])
    )
    rows = []
    for (tenant, currency), group in chosen.groupby(["tenant_id", "currency"]):
        observed = group.sort_values("day").to_records(index=False)
        for index, observation in enumerate(observed):
            following = observed[index + 1]["day"] if index + 1 < len(observed) else None
            for carried in range(max_days + 1):
                day = observation["day"] + dt.timedelta(days=carried)
                if following is not None and day >= following:
                    break
                rows.append((tenant, currency, day, observation["rate"], observation["day"],
                             carried))  # fmt: skip
    return pd.DataFrame(
        rows,
        columns=["tenant_id", "currency", "rate_date", "rate", "observed_date", "days_carried"],
    )


def expected_fact(ad_rows: dict[str, list[dict]], in_force: pd.DataFrame) -> pd.DataFrame:
    lookup = {
        (row.tenant_id, row.currency, row.rate_date): row.rate
        for row in in_force.itertuples(index=False)
    }
    facts = []
    for table, rows in ad_rows.items():
        platform, account, campaign, day, currency, spend, value = FACT_OF[table]
        for row in rows:
            tenant, original = row["tenant_id"], row.get(currency)
            if original in (None, CURRENCIES[tenant]):
                rate = 1.0
            else:
                rate = lookup.get((tenant, original, row[day]))
            spent = row["cost_micros"] / 1e6 if spend is None else row[spend]
            worth = row.get(value) if value else None
            facts.append({
                "tenant_id": tenant,
                "platform": platform or row["platform"].lower(),
                "account_id": row[account],
                "campaign_key": row[campaign] if campaign else row["campaign_name"],
                "spend_date": row[day],
                "currency": CURRENCIES[tenant] if rate is not None else original,
                "currency_original": original,
                "exchange_rate": rate,
                "spend_amount_original": spent,
                "spend_amount": None if rate is None else spent * rate,
                "platform_conversion_value_amount": (
                    None if worth is None or rate is None else worth * rate
                ),
            })  # fmt: skip
    return _sorted(pd.DataFrame(facts))


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    keys = ["tenant_id", "platform", "account_id", "campaign_key", "spend_date"]
    return frame.sort_values(keys, ignore_index=True)


def built_fact(warehouse: Warehouse) -> pd.DataFrame:
    frame = warehouse.query(
        "select tenant_id, platform, account_id, coalesce(campaign_id, campaign_name)"
        " as campaign_key, spend_date, currency, currency_original, exchange_rate,"
        " spend_amount_original, spend_amount, platform_conversion_value_amount"
        " from marts.fct_ad_spend_daily"
    )
    frame["spend_date"] = pd.to_datetime(frame["spend_date"]).dt.date
    return _sorted(frame)


def assert_amounts_equal(actual: pd.Series, expected: pd.Series, what: str) -> None:
    actual = pd.to_numeric(actual).astype(float).to_numpy()
    expected = pd.to_numeric(expected).astype(float).to_numpy()
    assert np.array_equal(np.isnan(actual), np.isnan(expected)), what
    both = ~np.isnan(expected)
    # Amounts land with nine decimals; the rate goes through a double.
    np.testing.assert_allclose(actual[both], expected[both], rtol=1e-9, atol=1e-6, err_msg=what)


# Built on DuckDB and PostgreSQL ------------------------------------------------------------


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def converted(request, tmp_path_factory) -> tuple[Warehouse, dict, list]:
    directory = tmp_path_factory.mktemp(f"currency_conversion_{request.param}")
    environ = warehouse_environ(request, request.param, directory)
    warehouse = crafted_warehouse(environ)
    ad_rows, rates = _ad_rows(), _rates()
    land(warehouse, ad_rows, rates, SALES)
    seconds = build_models(environ, directory, *SELECTION)
    print(f"dbt build of the currency conversion on {request.param}: {seconds:.1f} s")
    return warehouse, ad_rows, rates


def test_the_rate_in_force_each_day_matches_the_oracle(converted):
    warehouse, _, rates = converted
    expected = rates_in_force(rates, _max_days_carried()).sort_values(
        ["tenant_id", "currency", "rate_date"], ignore_index=True
    )
    actual = warehouse.query(
        "select tenant_id, currency, rate_date, rate, observed_date, days_carried"
        " from intermediate.int_exchange_rates_carried_forward"
        " order by tenant_id, currency, rate_date"
    )
    for column in ("rate_date", "observed_date"):
        actual[column] = pd.to_datetime(actual[column]).dt.date
    actual["days_carried"] = actual["days_carried"].astype(int)
    keys = ["tenant_id", "currency", "rate_date", "observed_date", "days_carried"]
    assert actual[keys].astype(str).values.tolist() == expected[keys].astype(str).values.tolist()
    assert_amounts_equal(actual["rate"], expected["rate"], "rate")
    # No cross rate: the EUR-in-USD pair gave a CLP store nothing.
    assert "EUR" not in set(actual["currency"])


def test_every_ad_amount_is_converted_at_the_rate_the_oracle_finds(converted):
    warehouse, ad_rows, rates = converted
    expected = expected_fact(ad_rows, rates_in_force(rates, _max_days_carried()))
    actual = built_fact(warehouse)
    keys = ["tenant_id", "platform", "account_id", "campaign_key", "spend_date", "currency"]
    assert actual[keys].astype(str).values.tolist() == expected[keys].astype(str).values.tolist()
    assert actual["currency_original"].fillna("-").tolist() == (
        expected["currency_original"].fillna("-").tolist()
    )
    for column in ("exchange_rate", "spend_amount_original", "spend_amount",
                   "platform_conversion_value_amount"):  # fmt: skip
        assert_amounts_equal(actual[column], expected[column], column)
    # Every row had a rate: the fact is wholly in each tenant's currency.
    assert set(zip(actual["tenant_id"], actual["currency"], strict=True)) == {
        ("t_cl", "CLP"),
        ("t_pe", "PEN"),
    }


def test_hand_worked_days(converted):
    warehouse, _, _ = converted
    rows = warehouse.query(
        "select spend_date, exchange_rate, spend_amount_original, spend_amount"
        " from marts.fct_ad_spend_daily where account_id = 'act_usd'"
        " and spend_date in ('2026-03-12', '2026-03-14', '2026-03-20', '2026-03-27')"
        " order by spend_date"
    )
    thursday = 940 + 1.37 * 11  # 12 March, the 12th day of the month (k = 11)
    friday_20 = 940 + 1.37 * 19
    assert rows["exchange_rate"].astype(float).round(6).tolist() == [
        round(thursday, 6),
        round(thursday, 6),
        round(friday_20, 6),
        round(friday_20, 6),
    ]
    # TikTok's 10 March for the PEN store: the direct quote, not 1 / 0.2727.
    rate = warehouse.query(
        "select exchange_rate from marts.fct_ad_spend_daily"
        " where platform = 'tiktok_ads' and spend_date = '2026-03-10'"
    )["exchange_rate"]
    assert float(rate.iloc[0]) == pytest.approx(3.8)


def test_an_order_and_everything_of_it_convert_at_its_local_days_rate(converted):
    """The facts' reconciliation tests and the currency test passed in the build (they are in
    SELECTION); here the amounts themselves, against the oracle's rate of 9 March."""
    warehouse, _, rates = converted
    in_force = rates_in_force(rates, _max_days_carried()).set_index(
        ["tenant_id", "currency", "rate_date"]
    )["rate"]
    monday, tuesday = (
        in_force[("t_cl", "USD", D("2026-03-09"))],
        in_force[("t_cl", "USD", D("2026-03-10"))],
    )
    assert monday != tuesday, "the order's local day and its UTC day have different rates"
    orders = warehouse.query(
        "select order_id, currency, total_amount, refunded_amount, net_amount"
        " from marts.fct_orders order by order_id"
    )
    assert orders["currency"].tolist() == ["CLP", "CLP"]
    assert_amounts_equal(orders["total_amount"], pd.Series([100 * monday, 25_000.0]), "total")
    assert_amounts_equal(orders["refunded_amount"], pd.Series([40 * monday, 0.0]), "refunded")
    assert_amounts_equal(orders["net_amount"], pd.Series([60 * monday, 25_000.0]), "net")
    staged = {
        name: warehouse.query(
            f"select {key}, {amount}, {amount}_original, exchange_rate"
            f" from staging.stg_shopify__{name} where order_id = 'o1' order by {key}"
        )
        for name, key, amount in (("order_lines", "order_line_id", "original_amount"),
                                  ("transactions", "transaction_id", "amount"),
                                  ("refunds", "refund_id", "amount"))
    }  # fmt: skip
    assert_amounts_equal(staged["order_lines"]["original_amount"],
                         pd.Series([60 * monday, 40 * monday]), "lines")  # fmt: skip
    # Paid on the 16th and refunded on the 18th, at the order's rate all the same.
    assert_amounts_equal(staged["transactions"]["amount"], pd.Series([100 * monday]), "paid")
    assert_amounts_equal(staged["refunds"]["amount"], pd.Series([40 * monday]), "refund")
    for name, frame in staged.items():
        assert_amounts_equal(frame["exchange_rate"], pd.Series([monday] * len(frame)), name)
    checkout = warehouse.query("select currency, total_amount from marts.fct_checkouts")
    assert checkout["currency"].tolist() == ["CLP"]
    assert_amounts_equal(checkout["total_amount"], pd.Series([100 * monday]), "checkout")


# A day without a rate fails loudly (DuckDB) ------------------------------------------------


def test_an_amount_without_a_rate_fails_its_test_naming_the_days(request, tmp_path):
    environ = warehouse_environ(request, "duckdb", tmp_path)
    warehouse = crafted_warehouse(environ)
    ad_rows = _ad_rows()
    late = [D("2026-03-28"), D("2026-03-30")]
    ad_rows["meta_ads.ads_insights"] += [
        {"tenant_id": "t_cl", "account_id": "act_usd", "account_currency": "USD",
         "campaign_id": "m1", "campaign_name": "Prospección", "date_start": day, "spend": 10.0}
        for day in late
    ]  # fmt: skip
    ad_rows["csv.ad_spend"].append(
        {"tenant_id": "t_cl", "date": D("2026-03-05"), "platform": "Pinterest", "account_id": "p",
         "campaign_name": "Pines", "currency": "EUR", "spend": 9.0, "source_file": "p.csv"}
    )  # fmt: skip
    land(warehouse, ad_rows, _rates())
    result = run_dbt(
        ["build", "--select", *AD_SELECTION,
         "--indirect-selection", "cautious", "--exclude", "test_type:unit",
         "--store-failures", "--no-write-json"],
        environ, tmp_path / "target",
    )  # fmt: skip
    assert not result.success
    failed = {node.node.name: node for node in result.result.results if str(node.status) == "fail"}
    assert set(failed) >= {
        "has_exchange_rate_stg_meta_ads__ads_insights",
        "has_exchange_rate_stg_csv__ad_spend",
    }
    assert failed["has_exchange_rate_stg_meta_ads__ads_insights"].failures == 2
    with duckdb.connect(environ["CEREBRO_DUCKDB_PATH"], read_only=True) as connection:
        meta = connection.execute(
            "select tenant_id, currency_without_rate, first_day_without_rate,"
            " last_day_without_rate, rows_without_rate"
            " from dbt_test__audit.has_exchange_rate_stg_meta_ads__ads_insights"
        ).fetchall()
        exported = connection.execute(
            "select tenant_id, currency_without_rate, rows_without_rate"
            " from dbt_test__audit.has_exchange_rate_stg_csv__ad_spend"
        ).fetchall()
        # Nothing was summed in dollars or euros as if it were pesos: no converted amount.
        unconverted = connection.execute(
            "select currency, spend_amount from staging.stg_meta_ads__ads_insights"
            " where spend_date >= '2026-03-28'"
        ).fetchall()
    assert meta == [("t_cl", "USD", *late, 2)]
    assert exported == [("t_cl", "EUR", 1)]
    assert unconverted == [("USD", None), ("USD", None)]
