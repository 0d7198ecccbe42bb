"""tap-cerebro-shopify | target-cerebro-duckdb, for real
(``cerebro.landing.pipeline.run_pipeline``),
against the local fake Admin API.

Oracles: the demo rows the fake store serves (what lands must equal them, row for row),
row counts across interrupted and repeated runs, exact decimals, and a byte search for
the access token in everything the pipeline leaves behind.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from cerebro.landing.pipeline import LandingError, LandingResult, run_pipeline
from cerebro.settings import console_script
from tests.taps.tap_cerebro_shopify.shopify_fake_admin_api import FakeShop, Throttle
from tests.taps.tap_cerebro_shopify.shopify_fake_shop import (
    STREAMS,
    TENANT,
    TOKEN,
    expected_tap_rows,
    read_raw_rows,
)


def land(tmp_path: Path, tap_config: dict) -> LandingResult:
    return run_pipeline(
        tenant_id=TENANT,
        source="shopify",
        tap_command=[console_script("tap-cerebro-shopify")],
        tap_config=tap_config,
        target_command=[console_script("target-cerebro-duckdb")],
        target_config={"path": str(tmp_path / "w.duckdb"), "default_target_schema": "raw_shopify"},
        state_path=tmp_path / "state" / "shopify.json",
        log_dir=tmp_path / "logs",
    )


def landed_rows(tmp_path: Path) -> dict[str, list[dict]]:
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as connection:
        return read_raw_rows(connection, TENANT)


def row_counts(tmp_path: Path) -> dict[str, int]:
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as connection:
        return {
            stream: connection.execute(f"select count(*) from raw_shopify.{stream}").fetchone()[0]
            for stream in STREAMS
        }


def bookmarks(state: dict) -> dict[str, str | None]:
    """Each stream's resumable bookmark."""
    return {s: b.get("replication_key_value") for s, b in state["bookmarks"].items()}


def expected_counts(shop: FakeShop) -> dict[str, int]:
    return {
        "customers": len(shop.customers),
        "orders": len(shop.orders),
        "order_lines": sum(len(o["lineItems"]) for o in shop.orders),
        "transactions": sum(len(o["transactions"]) for o in shop.orders),
        "refunds": sum(len(o["refunds"]) for o in shop.orders),
        "fulfillments": sum(len(o["fulfillments"]) for o in shop.orders),
        "checkouts": len(shop.checkouts),
    }


def assert_token_nowhere(tmp_path: Path) -> None:
    for path in [*(tmp_path / "logs").iterdir(), *(tmp_path / "state").iterdir()]:
        assert TOKEN not in path.read_text(errors="replace"), path
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as connection:
        for stream in STREAMS:
            table = connection.execute(f"select * from raw_shopify.{stream}").fetchall()
            assert TOKEN not in repr(table), stream


def with_brief_amounts(shop: FakeShop, rows: dict[str, list[dict]]) -> None:
    """Give two orders the amounts and instant the brief names, in the store and in the
    rows expected back: CLP ``"72363.0"``, PEN ``"19.90"`` and ``"0.1"``, and 23:30 of the
    night Santiago leaves DST (2024-04-06, -03 -> -04) as the UTC instant Shopify sends."""
    clp, pen = shop.orders[0], shop.orders[1]
    clp["totalPriceSet"] = {"shopMoney": {"amount": "72363.0", "currencyCode": "CLP"}}
    pen["currencyCode"] = "PEN"
    pen["totalPriceSet"] = {"shopMoney": {"amount": "19.90", "currencyCode": "PEN"}}
    pen["subtotalPriceSet"] = {"shopMoney": {"amount": "0.1", "currencyCode": "PEN"}}
    pen["processedAt"] = "2024-04-07T02:30:00Z"
    orders = {row["order_id"]: row for row in rows["orders"]}
    orders[clp["id"].rsplit("/", 1)[-1]]["total_amount"] = Decimal(72363)
    pen_row = orders[pen["id"].rsplit("/", 1)[-1]]
    pen_row.update(
        currency="PEN",
        total_amount=Decimal("19.90"),
        subtotal_amount=Decimal("0.1"),
        processed_at=dt.datetime(2024, 4, 7, 2, 30),  # UTC wall time: no offset applied
    )


def test_a_store_lands_through_the_target_exactly_as_it_serves_its_data(
    tmp_path, demo_rows, demo_shop, make_api, tap_config
):
    expected = copy.deepcopy(expected_tap_rows(demo_rows))
    with_brief_amounts(demo_shop, expected)
    api = make_api(demo_shop)
    # A THROTTLED answer with tiny figures: the subprocess really waits (41-40)/100 s.
    api.fail_next(Throttle(requested=41, available=40, restore_rate=100))
    result = land(tmp_path, tap_config)
    landed = landed_rows(tmp_path)
    assert landed == expected
    assert type(landed["orders"][0]["total_amount"]) is Decimal
    assert result.records_by_stream == {s: len(rows) for s, rows in demo_rows.items()}
    tap_log = (tmp_path / "logs" / "shopify.tap.log").read_text()
    assert "Throttled by Shopify; waiting 0.01 s" in tap_log
    assert_token_nowhere(tmp_path)


def test_an_interrupted_sync_resumes_from_state_without_losing_or_repeating_rows(
    tmp_path, small_shop, make_api, tap_config
):
    api = make_api(small_shop)
    config = {**tap_config, "page_size": 5}
    state_path = tmp_path / "state" / "shopify.json"
    # 1. The app is uninstalled after three pages of orders: the tap stops on HTTP 401,
    # and the state the target confirmed is kept.
    api.revoke_token_after("Orders", requests=3)
    with pytest.raises(LandingError, match="HTTP 401"):
        land(tmp_path, config)
    interrupted = json.loads(state_path.read_text())
    last_update = max(o["updatedAt"] for o in small_shop.orders).replace("Z", "+00:00")
    assert interrupted["bookmarks"]["orders"]["replication_key_value"] < last_update
    assert 0 < row_counts(tmp_path)["orders"] < len(small_shop.orders)

    # 2. A wrong token fails with a clear message and leaves every bookmark as it was
    # (the SDK only drops the children's non-resumable progress markers).
    api.restore_token()
    with pytest.raises(LandingError, match=r"HTTP 401.*access_token"):
        land(tmp_path, {**config, "access_token": "shpat_wrong0000000000000000"})
    assert bookmarks(json.loads(state_path.read_text())) == bookmarks(interrupted)

    # 3. The next sync resumes from the bookmark and completes: every row exactly once.
    requests_before = len(api.requests)
    resumed = land(tmp_path, config)
    assert row_counts(tmp_path) == expected_counts(small_shop)
    first_orders_page = next(
        r for r in api.requests[requests_before:] if "query Orders" in r["query"]
    )
    assert first_orders_page["variables"]["query"].startswith("updated_at:>='")

    # 4. Running again re-reads only the lookback window and adds no row.
    again = land(tmp_path, config)
    assert row_counts(tmp_path) == expected_counts(small_shop)
    assert again.records < resumed.records
    assert_token_nowhere(tmp_path)
