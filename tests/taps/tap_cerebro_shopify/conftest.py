"""Fixtures for the Shopify tap: a small demo store landed once, and the fake Admin API."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from dataclasses import dataclass
from decimal import Decimal

import duckdb
import pytest
from tap_cerebro_shopify.tap import TapCerebroShopify

from cerebro.landing.pipeline import run_pipeline
from cerebro.settings import console_script
from tests.taps.tap_cerebro_shopify.shopify_fake_admin_api import (
    ALL_SCOPES,
    FakeShop,
    FakeShopifyAdminAPI,
)
from tests.taps.tap_cerebro_shopify.shopify_fake_shop import (
    DEMO_CONFIG,
    NOW,
    TENANT,
    TOKEN,
    fake_shop_from_rows,
    read_raw_rows,
)


@dataclass
class Messages:
    """Singer messages a tap run wrote, by kind."""

    lines: list[dict]

    def records(self, stream: str) -> list[dict]:
        return [m["record"] for m in self.lines if m["type"] == "RECORD" and m["stream"] == stream]

    def schema(self, stream: str) -> dict:
        return next(m for m in self.lines if m["type"] == "SCHEMA" and m["stream"] == stream)

    @property
    def last_state(self) -> dict | None:
        states = [m["value"] for m in self.lines if m["type"] == "STATE"]
        return states[-1] if states else None


@pytest.fixture(scope="session")
def demo_rows(tmp_path_factory) -> dict[str, list[dict]]:
    """A small demo store's Shopify rows, landed by the demo tap through the real target."""
    root = tmp_path_factory.mktemp("shopify_demo_store")
    run_pipeline(
        tenant_id=TENANT,
        source="shopify",
        tap_command=[console_script("tap-cerebro-demo")],
        tap_config={**DEMO_CONFIG, "cache_dir": str(root / "cache")},
        target_command=[console_script("target-cerebro-duckdb")],
        target_config={"path": str(root / "demo.duckdb"), "default_target_schema": "raw_shopify"},
        state_path=root / "state.json",
        log_dir=root / "logs",
    )
    with duckdb.connect(str(root / "demo.duckdb"), read_only=True) as connection:
        return read_raw_rows(connection, TENANT)


@pytest.fixture
def demo_shop(demo_rows) -> FakeShop:
    """A fresh fake store (tests may change it) serving the demo rows."""
    return fake_shop_from_rows(demo_rows)


@pytest.fixture
def small_shop(demo_shop) -> FakeShop:
    """Every few records of the demo store, spread over its whole history: for tests
    about one behaviour rather than about all the data."""
    return FakeShop(
        customers=demo_shop.customers[::3],
        orders=demo_shop.orders[::7],
        checkouts=demo_shop.checkouts[::12],
    )


@pytest.fixture
def make_api(httpserver):
    """Build the fake Admin API for a store and serve it on the test's local server."""

    def make(shop: FakeShop, scopes=ALL_SCOPES, **options) -> FakeShopifyAdminAPI:
        api = FakeShopifyAdminAPI(shop, token=TOKEN, scopes=scopes, now=NOW, **options)
        api.install(httpserver)
        return api

    return make


@pytest.fixture
def tap_config(httpserver) -> dict:
    """Tap settings pointing at the local server, with a fixed window end."""
    return {
        "tenant_id": TENANT,
        "shop": "tienda-prueba",
        "access_token": TOKEN,
        "api_version": "2026-10",
        "base_url": httpserver.url_for("/"),
        "end_date": NOW.isoformat(),
    }


@dataclass
class TapRun:
    """What an in-process tap run wrote, and the error that stopped it, if any."""

    messages: Messages
    error: Exception | None
    sleeps: list[float]


@pytest.fixture
def run_tap(fake_clock_at):
    """Run the tap in this process on a fake clock at NOW: waits are recorded, not slept."""

    def run(config: dict, state: dict | None = None) -> TapRun:
        tap = TapCerebroShopify(config=config, state=state, parse_env_config=False)
        tap.clock = fake_clock_at(NOW.isoformat())
        output, error = io.StringIO(), None
        with redirect_stdout(output):
            try:
                tap.sync_all()
            except Exception as raised:  # the test inspects it
                error = raised
        lines = [
            json.loads(line, parse_float=Decimal) for line in output.getvalue().splitlines() if line
        ]
        return TapRun(Messages(lines), error, tap.clock.sleeps)

    return run
