"""tap-cerebro-mercadolibre against a local server that behaves like Mercado Libre's API.

Oracles: the fake seller's own objects (every order lands exactly once, its total as the buyer
paid it, its buyer as the customer ``meli-<id>``; every Product Ads day of the last 90 days,
and each advertiser with the span of days read),
Mercado Libre's documented behaviour (a refresh token works once, six-hour access tokens, at
most 51 orders a page, 90 days of ads, its error bodies) and the Singer state (resumable,
nothing lost or repeated across an interrupted sync).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from cerebro_raw_contract import STREAMS_BY_SOURCE, raw_stream
from singer_sdk.exceptions import ConfigValidationError, FatalAPIError
from tap_cerebro_mercadolibre.auth import MercadoLibreOAuth, TokenStore
from tap_cerebro_mercadolibre.tap import TapCerebroMercadoLibre

from cerebro.landing.pipeline import ForeseenLandingError, run_pipeline
from cerebro.settings import console_script
from tests.taps.conftest import sync_in_process
from tests.taps.tap_cerebro_mercadolibre.conftest import (
    CLIENT_SECRET,
    NOW,
    REFRESH_TOKEN,
)
from tests.taps.tap_cerebro_mercadolibre.fake_mercadolibre_api import (
    forbidden,
    server_error,
    too_many_requests,
)

STORE_STREAMS = ("orders", "customers", "order_lines", "transactions", "refunds", "fulfillments")


def sync(config, clock, state=None, **settings):
    return sync_in_process(TapCerebroMercadoLibre, {**config, **settings}, clock=clock,
                           state=state)  # fmt: skip


def tap_command() -> list[str]:
    """The tap's console script once installed; the module otherwise (same entry point)."""
    return [sys.executable, "-m", "tap_cerebro_mercadolibre.tap"]


def expected_total(order: dict) -> Decimal:
    shipping = sum((Decimal(str(p["shipping_cost"])) for p in order["payments"]
                    if p["status"] in ("approved", "refunded")), Decimal(0))  # fmt: skip
    return Decimal(str(order["total_amount"])) + shipping


def test_every_order_lands_once_with_what_the_buyer_paid(api, served, config, clock):
    run = sync(config, clock)
    assert run.error is None
    orders = run.records("orders")
    assert len(orders) == len({o["order_id"] for o in orders}) == len(served.orders)
    by_id = {o["order_id"]: o for o in orders}
    for order in served.orders:
        landed = by_id[str(order["id"])]
        assert landed["total_amount"] == expected_total(order)
        assert landed["currency"] == order["currency_id"]
        assert landed["customer_id"] == f"meli-{order['buyer']['id']}"
        assert landed["email"] is None
        marked = (landed["source_name"], landed["landing_utm_source"], landed["landing_utm_medium"])
        assert marked == ("mercadolibre", "mercadolibre", "marketplace")
        # Dates in UTC: Chile's offset is gone, the instant kept.
        created = dt.datetime.fromisoformat(order["date_created"])
        assert dt.datetime.fromisoformat(landed["created_at"]) == created
    lines = run.records("order_lines")
    assert len(lines) == sum(len(o["order_items"]) for o in served.orders)
    assert {c["customer_id"] for c in run.records("customers")} == {
        f"meli-{o['buyer']['id']}" for o in served.orders
    }
    payments = [p for o in served.orders for p in o["payments"]]
    assert len(run.records("transactions")) == len(payments)
    refunds = run.records("refunds")
    assert sum(r["amount"] for r in refunds) == sum(
        Decimal(str(p["transaction_amount_refunded"])) for p in payments
    )
    shipped = [s for s in served.shipments.values() if s["status"] in ("shipped", "delivered")]
    assert len(run.records("fulfillments")) == len(shipped)


def test_pages_never_ask_for_more_than_the_51_the_search_allows(api, config, clock):
    run = sync(config, clock, page_size=51)
    assert run.error is None
    limits = {int(r["args"]["limit"]) for r in api.order_searches()}
    assert limits == {51}
    with pytest.raises(ConfigValidationError):
        TapCerebroMercadoLibre(config={**config, "page_size": 52}, parse_env_config=False)


def test_the_fake_refuses_a_page_larger_than_the_documented_limit(api):
    token = api.token_for_test()
    answer = requests.get(
        f"{api.base_url}/orders/search",
        params={"seller": api.seller.seller_id, "limit": 52},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "bad_request"


def test_the_rotated_refresh_token_is_kept_privately_and_serves_the_next_run(api, config, clock):
    first = sync(config, clock)
    assert first.error is None
    store = config["token_store_path"]
    kept = json.loads(Path(store).read_text(encoding="utf-8"))
    assert kept["refresh_token"] == api.refresh_token != REFRESH_TOKEN
    assert stat.S_IMODE(os.stat(store).st_mode) == 0o600
    # The variable's token is spent: only the kept one can refresh now.
    second = sync(config, clock, source="mercadolibre_ads")
    assert second.error is None
    assert len(api.spent) == 2 and api.spent[0] == REFRESH_TOKEN
    messages = json.dumps(first.messages + second.messages, default=str)
    for secret in (REFRESH_TOKEN, CLIENT_SECRET, kept["refresh_token"], *api.spent):
        assert secret not in messages


def test_a_new_authorization_in_the_variable_wins_over_the_kept_token(api, config, clock):
    assert sync(config, clock).error is None
    api.refresh_token = "TG-reauthorized-by-the-seller"
    run = sync(config, clock, refresh_token="TG-reauthorized-by-the-seller")
    assert run.error is None


def test_an_access_token_expiring_mid_sync_is_refreshed_once_and_nothing_is_lost(
    api, served, config, clock
):
    api.expire_after = 5
    run = sync(config, clock)
    assert run.error is None
    assert len(api.spent) == 2
    assert {o["order_id"] for o in run.records("orders")} == {str(o["id"]) for o in served.orders}


def test_a_spent_or_revoked_refresh_token_is_one_line_without_secrets(api, config, tmp_path):
    api.revoke()
    config_file = tmp_path / "tap.json"
    config_file.write_text(json.dumps(config))
    done = subprocess.run([*tap_command(), "--config", str(config_file)],
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 2
    last = done.stderr.strip().splitlines()[-1]
    assert "invalid_grant" in last and "authorize the app again" in last
    assert "Traceback" not in done.stderr
    assert REFRESH_TOKEN not in done.stderr and CLIENT_SECRET not in done.stderr
    assert not os.path.exists(config["token_store_path"]), "nothing half-written"


def test_throttling_and_server_errors_are_waited_out_with_the_same_records(
    api, served, config, clock
):
    api.faults = [too_many_requests(), server_error(503), too_many_requests(), server_error()]
    run = sync(config, clock)
    assert run.error is None
    assert len(run.records("orders")) == len(served.orders)
    assert len(clock.sleeps) == 4


def test_a_forbidden_answer_stops_with_what_to_do(api, config, clock):
    api.faults = [forbidden()]
    run = sync(config, clock)
    assert isinstance(run.error, FatalAPIError)
    assert "offline_access" in str(run.error)
    assert run.records("orders") == []


def test_an_interrupted_sync_resumes_from_its_state_losing_nothing(api, served, config, clock):
    api.fail_after = (6, forbidden())
    cut = sync(config, clock)
    assert isinstance(cut.error, FatalAPIError)
    first = {o["order_id"] for o in cut.records("orders")}
    assert 0 < len(first) < len(served.orders)
    bookmark = cut.final_state["bookmarks"]["orders"]["replication_key_value"]
    # Every order up to the bookmark was emitted before the cut: resuming from it loses none.
    at_or_before = {str(o["id"]) for o in served.orders
                    if dt.datetime.fromisoformat(o["date_last_updated"])
                    <= dt.datetime.fromisoformat(bookmark)}  # fmt: skip
    assert at_or_before <= first
    api.fail_after = None
    rest = sync(config, clock, state=cut.final_state)
    assert rest.error is None
    second = {o["order_id"] for o in rest.records("orders")}
    assert first | second == {str(o["id"]) for o in served.orders}
    # Read again: only what the lookback covers before the bookmark (the target upserts it).
    lookback = dt.datetime.fromisoformat(bookmark) - dt.timedelta(minutes=30)
    for order in rest.records("orders"):
        if order["order_id"] in first:
            assert dt.datetime.fromisoformat(order["updated_at"]) >= lookback
    # Children follow their orders: every line of a resumed order was emitted.
    lines = {line["order_id"] for line in cut.records("order_lines") + rest.records("order_lines")}
    assert lines == first | second


def test_product_ads_land_every_campaign_day_of_the_last_90(api, served, config, clock):
    run = sync(config, clock, source="mercadolibre_ads")
    assert run.error is None
    rows = run.records("campaign_reports")
    landed = {(r["campaign_id"], r["date"]): r for r in rows}
    assert len(landed) == len(rows) == len(served.campaign_days)
    for day in served.campaign_days:
        row = landed[(str(day["id"]), day["date"])]
        assert row["cost"] == day["metrics"]["cost"]
        assert (row["clicks"], row["prints"]) == (day["metrics"]["clicks"],
                                                  day["metrics"]["prints"])  # fmt: skip
        assert row["currency_code"] == "CLP"
    versions = {r["api_version"] for r in api.requests if "advertising" in r["path"]}
    assert versions == {"1", "2"}


def test_advertisers_land_with_the_span_of_days_read(api, served, config, clock):
    run = sync(config, clock, source="mercadolibre_ads")
    assert run.error is None
    # start_date is months back, but Product Ads keeps 90 days: the first day read is the
    # 90th before today in the site's time zone (Chile), the last is today.
    today = NOW.astimezone(ZoneInfo("America/Santiago")).date()
    first = (today - dt.timedelta(days=89)).isoformat()
    assert run.records("advertisers") == [{
        "tenant_id": config["tenant_id"], "advertiser_id": "555001", "advertiser_name": "Tienda",
        "site_id": "MLC", "currency": "CLP", "timezone": "America/Santiago",
        "report_start_date": first, "report_end_date": today.isoformat(),
    }]  # fmt: skip
    # Days inside the span without a campaign row exist: they are days without delivery.
    with_rows = {day["date"] for day in served.campaign_days}
    assert len(with_rows) < 90
    # Ten days later Product Ads no longer keeps the first days, yet they were read: the span
    # still starts there (the first day read is kept in the state).
    clock.instant = NOW + dt.timedelta(days=10)
    later = sync(config, clock, state=run.final_state, source="mercadolibre_ads")
    assert later.error is None
    spans = [(r["report_start_date"], r["report_end_date"]) for r in later.records("advertisers")]
    assert spans == [(first, (today + dt.timedelta(days=10)).isoformat())]


def test_a_sync_that_fails_lands_no_advertiser_span(api, config, clock):
    # The campaign search fails after the advertisers were listed: no span is claimed.
    api.campaign_faults = [forbidden()]
    run = sync(config, clock, source="mercadolibre_ads")
    assert run.error is not None
    assert run.records("advertisers") == []


def test_streams_are_the_contracts(config):
    tap = TapCerebroMercadoLibre(config=config, parse_env_config=False)
    assert set(tap.streams) == set(STORE_STREAMS)
    assert set(STORE_STREAMS) == set(STREAMS_BY_SOURCE["shopify"]) - {"checkouts"}
    ads = TapCerebroMercadoLibre(config={**config, "source": "mercadolibre_ads"},
                                 parse_env_config=False)  # fmt: skip
    for name, stream in {**tap.streams, **ads.streams}.items():
        source = "mercadolibre_ads" if name in ads.streams else "shopify"
        contract = raw_stream(source, name)
        assert stream.schema == contract.schema(), name
        assert tuple(stream.primary_keys) == contract.primary_keys, name


def test_the_window_ends_when_the_sync_began(api, config, clock):
    run = sync(config, clock)
    assert run.error is None
    ends = [dt.datetime.fromisoformat(r["args"]["order.date_last_updated.to"])
            for r in api.order_searches()]  # fmt: skip
    assert max(ends) == NOW - dt.timedelta(milliseconds=1)


def test_two_runs_of_one_seller_refresh_in_turn_each_with_the_token_the_other_left(
    api, config, clock
):
    # A tenant's orders and ads run side by side, both started from the variable's token.
    def oauth() -> MercadoLibreOAuth:
        return MercadoLibreOAuth(
            token_url=f"{api.base_url}/oauth/token", client_id=config["client_id"],
            client_secret=CLIENT_SECRET, refresh_token=REFRESH_TOKEN,
            store=TokenStore(config["token_store_path"]), clock=clock,
        )  # fmt: skip

    orders, ads = oauth(), oauth()
    assert orders.access_token() != ads.access_token()
    assert api.spent == [REFRESH_TOKEN, "TG-rotated-1-98765432"]
    without_store = MercadoLibreOAuth(
        token_url=f"{api.base_url}/oauth/token", client_id=config["client_id"],
        client_secret=CLIENT_SECRET, refresh_token=REFRESH_TOKEN, store=TokenStore(None),
        clock=clock,
    )  # fmt: skip
    with pytest.raises(FatalAPIError, match="invalid_grant"):
        without_store.access_token()


def test_an_interrupted_landing_resumes_with_nothing_lost_or_repeated_in_the_warehouse(
    api, served, config, landing
):
    def land():
        return run_pipeline(
            tenant_id=landing.tenant_id, source="shopify", tap_command=tap_command(),
            tap_config={**config, "tenant_id": landing.tenant_id, "end_date": NOW.isoformat()},
            target_command=[console_script("target-cerebro-duckdb")],
            target_config={"path": str(landing.duckdb_path),
                           "default_target_schema": "raw_shopify"},
            state_path=landing.state_path("shopify"), log_dir=landing.workdir / "logs",
        )  # fmt: skip

    api.fail_after = (7, forbidden())
    with pytest.raises(ForeseenLandingError, match="forbade"):
        land()
    partly = landing.query("select count(*) from raw_shopify.orders")[0][0]
    assert 0 < partly < len(served.orders)
    api.fail_after = None
    land()
    expected = {
        "orders": ("order_id", len(served.orders)),
        "order_lines": ("order_line_id", sum(len(o["order_items"]) for o in served.orders)),
        "transactions": ("transaction_id", sum(len(o["payments"]) for o in served.orders)),
        "customers": ("customer_id", len({o["buyer"]["id"] for o in served.orders})),
    }
    for table, (key, count) in expected.items():
        landed = landing.query(f"select count(*), count(distinct {key}) from raw_shopify.{table}")
        assert landed[0] == (count, count), table
    for secret in (REFRESH_TOKEN, CLIENT_SECRET):
        assert secret not in landing.tap_log("shopify")
        assert secret not in landing.state_path("shopify").read_text()
