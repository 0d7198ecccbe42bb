"""Fixtures for the WooCommerce tap: a fake store behind its wc/v3 API on the test's server."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.taps.tap_cerebro_woocommerce.fake_woocommerce_api import (
    FakeStore,
    FakeWooCommerceApi,
    make_store,
)

KEY = "ck_4f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6"
SECRET = "cs_SECRET_9a8b7c6d5e4f30211203f4e5d6c7b8a9f0e1d2c3"
TENANT = "tienda_cl"
START = dt.datetime(2026, 1, 1, 3, 0, tzinfo=dt.UTC)
#: The sync's instant: the window's end.
NOW = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)


def store(orders: int = 120, customers: int = 40, seed: int = 7) -> FakeStore:
    return make_store(seed=seed, customers=customers, orders=orders, start=START, end=NOW)


@pytest.fixture
def shop() -> FakeStore:
    return store()


@pytest.fixture
def make_api(httpserver):
    """Serve a store on the test's server."""

    def make(served: FakeStore, **options) -> FakeWooCommerceApi:
        api = FakeWooCommerceApi(served, key=KEY, secret=SECRET, **options)
        api.register(httpserver)
        return api

    return make


@pytest.fixture
def api(make_api, shop) -> FakeWooCommerceApi:
    return make_api(shop)


@pytest.fixture
def config(api) -> dict:
    return {
        "tenant_id": TENANT,
        "store_url": api.base_url,
        "consumer_key": KEY,
        "consumer_secret": SECRET,
        "page_size": 7,
    }
