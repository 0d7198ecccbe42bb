"""A Mercado Libre seller landed by the real tap and target (its orders as the store's streams,
then its Product Ads) into a crafted DuckDB warehouse keeps the raw contract, and the dbt
project builds fct_orders, dim_customers and fct_ad_spend_daily on it unchanged: the orders
under the channel "Mercado Libre", the buyers as customers of their own, the ads' cost as that
channel's spend.

Oracles: the raw contract's rules (nothing to quarantine), and a pandas reading of the fake
seller's objects, independent of the tap: each order's total as the buyer paid it (items and
shipping), converted to pesos at the rate of its local day of creation when it was sold in
dollars (decision 0061); whether it is paid and cancelled; what its payments gave back; one
customer per buyer id; each campaign's day of cost.
"""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
import pytest
from cerebro_raw_contract import STREAMS, raw_stream
from pytest_httpserver import HTTPServer

from cerebro.landing.contracts.landed import check_stream
from cerebro.landing.contracts.quarantine import empty_quarantine
from cerebro.landing.pipeline import run_pipeline
from cerebro.settings import console_script
from tests.dbt_project.marts.crafted_dbt import (
    build_models,
    crafted_warehouse,
    insert_rows,
    land_empty_streams,
    warehouse_environ,
    write_tenants,
)
from tests.taps.tap_cerebro_mercadolibre.conftest import (
    CLIENT_ID,
    CLIENT_SECRET,
    NOW,
    REFRESH_TOKEN,
    SELLER_ID,
    START,
    TENANT,
    seller,
)
from tests.taps.tap_cerebro_mercadolibre.fake_mercadolibre_api import (
    FakeMercadoLibreApi,
    Seller,
)

SANTIAGO = ZoneInfo("America/Santiago")
SOURCES = ("shopify", "mercadolibre_ads")
LANDED = [s for s in STREAMS if s.source in SOURCES]
CENT = Decimal("0.01")


def usd_rate(day: dt.date) -> Decimal:
    """The crafted dólar observado of a day (pesos per dollar), different every day."""
    return Decimal(900 + day.toordinal() % 47) + Decimal("0.37")


@pytest.fixture(scope="module")
def served() -> Seller:
    # The tap runs in its own process, on the machine's clock: Product Ads (90 days kept) end
    # today; the orders, at NOW.
    return seller(buyers=35, seed=23, ads_end=dt.datetime.now(dt.UTC))


@pytest.fixture(scope="module")
def warehouse(request, tmp_path_factory, served):
    directory = tmp_path_factory.mktemp("mercadolibre_seller")
    environ = warehouse_environ(request, "duckdb", directory)
    land_empty_streams(environ, directory, [*LANDED, raw_stream("exchange_rates", "daily_rates")])
    write_tenants(crafted_warehouse(environ), {TENANT: "America/Santiago"})
    first, last = START.date() - dt.timedelta(days=3), NOW.date() + dt.timedelta(days=1)
    insert_rows(environ["CEREBRO_DUCKDB_PATH"], "raw_exchange_rates.daily_rates", [
        {"tenant_id": TENANT, "base_currency": "USD", "quote_currency": "CLP",
         "rate_date": first + dt.timedelta(days=n), "rate": usd_rate(first + dt.timedelta(days=n)),
         "series_id": "crafted"}
        for n in range((last - first).days + 1)
    ])  # fmt: skip
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        api = FakeMercadoLibreApi(served, client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                                  refresh_token=REFRESH_TOKEN,
                                  now=lambda: dt.datetime.now(dt.UTC))  # fmt: skip
        api.register(server)
        for source in SOURCES:
            run_pipeline(
                tenant_id=TENANT,
                source=source,
                # The module is the console script's entry point (an environment installed
                # before this tap has no script yet).
                tap_command=[sys.executable, "-m", "tap_cerebro_mercadolibre.tap"],
                tap_config={"tenant_id": TENANT, "seller_id": SELLER_ID, "client_id": CLIENT_ID,
                            "client_secret": CLIENT_SECRET, "refresh_token": REFRESH_TOKEN,
                            "token_store_path": str(directory / "state" / "tokens" / "m.json"),
                            "base_url": api.base_url, "start_date": START.isoformat(),
                            "source": source,
                            **({"end_date": NOW.isoformat()} if source == "shopify" else {})},
                target_command=[console_script("target-cerebro-duckdb")],
                target_config={"path": environ["CEREBRO_DUCKDB_PATH"],
                               "default_target_schema": f"raw_{source}"},
                state_path=directory / "state" / f"{source}.json",
                log_dir=directory / "logs",
            )  # fmt: skip
    finally:
        server.clear()
        server.stop()
    checks = {
        (stream.source, stream.name): check_stream(
            crafted_warehouse(environ), empty_quarantine(), source=stream.source,
            stream=stream.name,
            primary_keys={(s.source, s.name): s.primary_keys for s in STREAMS},
            # The ads reach today (the tap's clock): rows after it would be a breach.
            tenant_id=TENANT, since=None, now=dt.datetime.now(dt.UTC).replace(tzinfo=None),
        )[1]
        for stream in LANDED
    }  # fmt: skip
    seconds = build_models(environ, directory, "+fct_orders", "+dim_customers",
                           "+fct_ad_spend_daily")  # fmt: skip
    print(f"dbt build of a Mercado Libre seller on duckdb: {seconds:.1f} s")
    return environ["CEREBRO_DUCKDB_PATH"], checks


def query(path: str, sql: str) -> pd.DataFrame:
    with duckdb.connect(path, read_only=True) as connection:
        return connection.execute(sql, [TENANT]).df()


def oracle_orders(served: Seller) -> pd.DataFrame:
    """What fct_orders must say of each order, read from the seller's objects."""
    rows = []
    for order in served.orders:
        created = dt.datetime.fromisoformat(order["date_created"])
        rate = usd_rate(created.astimezone(SANTIAGO).date()) if order["currency_id"] == "USD" \
            else Decimal(1)  # fmt: skip
        paid = [p for p in order["payments"] if p["status"] in ("approved", "refunded")]
        total = Decimal(str(order["total_amount"])) + sum(
            (Decimal(str(p["shipping_cost"])) for p in paid), Decimal(0)
        )
        refunded = sum(
            (Decimal(str(p["transaction_amount_refunded"])) for p in order["payments"]),
            Decimal(0),
        )
        rows.append({
            "order_id": str(order["id"]), "customer_id": f"meli-{order['buyer']['id']}",
            "is_paid": bool(paid), "is_cancelled": order["status"] == "cancelled",
            "total_amount": (total * rate).quantize(CENT),
            "refunded_amount": (refunded * rate).quantize(CENT),
            "channel_group": "Mercado Libre",
        })  # fmt: skip
    return pd.DataFrame(rows).sort_values("order_id").reset_index(drop=True)


def test_every_landed_record_keeps_the_raw_contract(warehouse, served):
    _, checks = warehouse
    assert checks[("shopify", "orders")].evaluation.rows_checked == len(served.orders)
    assert checks[("mercadolibre_ads", "campaign_reports")].evaluation.rows_checked == len(
        served.campaign_days
    )
    breaches = {
        key: [(row.record_key, [b.reason for b in row.breaches])
              for row in check.evaluation.failing_rows]
        for key, check in checks.items()
    }  # fmt: skip
    assert breaches == {key: [] for key in checks}


def test_fct_orders_equals_the_sellers_orders_under_the_mercado_libre_channel(warehouse, served):
    path, _ = warehouse
    landed = query(path, """
        select order_id, customer_id, is_paid, is_cancelled, total_amount, refunded_amount,
               channel_group
        from marts.fct_orders where tenant_id = ? order by order_id
    """)  # fmt: skip
    expected = oracle_orders(served)
    assert any(o["currency_id"] == "USD" for o in served.orders), "the crafting covers dollars"
    for column in ("total_amount", "refunded_amount"):
        landed[column] = [Decimal(str(v)).quantize(CENT) for v in landed[column]]
    pd.testing.assert_frame_equal(landed, expected, check_dtype=False)


def test_dim_customers_has_one_customer_per_buyer_acquired_by_mercado_libre(warehouse, served):
    path, _ = warehouse
    customers = query(path, """
        select customer_id, source_customers_count, acquisition_channel
        from marts.dim_customers where tenant_id = ? order by customer_id
    """)  # fmt: skip
    buyers = sorted({f"meli-{o['buyer']['id']}" for o in served.orders})
    expected = pd.DataFrame({"customer_id": buyers, "source_customers_count": 1,
                             "acquisition_channel": "Mercado Libre"})  # fmt: skip
    pd.testing.assert_frame_equal(customers, expected, check_dtype=False)


def test_product_ads_cost_is_the_mercado_libre_channels_spend(warehouse, served):
    path, _ = warehouse
    spend = query(path, """
        select campaign_id, spend_date, spend_amount, impressions, clicks, channel_group
        from marts.fct_ad_spend_daily where tenant_id = ? and platform = 'mercadolibre_ads'
        order by campaign_id, spend_date
    """)  # fmt: skip
    expected = pd.DataFrame(
        [(str(day["id"]), dt.date.fromisoformat(day["date"]), day["metrics"]["cost"],
          day["metrics"]["prints"], day["metrics"]["clicks"], "Mercado Libre")
         for day in served.campaign_days],
        columns=list(spend.columns),
    ).sort_values(["campaign_id", "spend_date"]).reset_index(drop=True)  # fmt: skip
    spend["spend_date"] = pd.to_datetime(spend["spend_date"]).dt.date
    spend["spend_amount"] = [Decimal(str(v)).quantize(CENT) for v in spend["spend_amount"]]
    expected["spend_amount"] = [Decimal(v).quantize(CENT) for v in expected["spend_amount"]]
    pd.testing.assert_frame_equal(spend, expected, check_dtype=False)
