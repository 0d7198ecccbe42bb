"""Fixtures for the rescue-coupon destination: a fake clock shared by the client's waits and the
fake store's bucket, the fake discount API on the test's local server, and the destination
built from settings pointing at it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest

from cerebro.actions.activation.destinations import shopify_coupons
from tests.cerebro.actions.activation.shopify.fake_shopify_discounts import FakeShopifyDiscounts
from tests.cerebro.actions.activation.shopify.shopify_coupon_members import START, TOKEN


@dataclass
class FakeClock:
    """Seconds since START; ``sleep`` advances it and is recorded, never waits."""

    seconds: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.seconds

    def now(self) -> dt.datetime:
        return START + dt.timedelta(seconds=self.seconds)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.seconds += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_store(httpserver, clock):
    """The fake discount API for a store with these customers, served on the local server."""

    def make(customer_ids=("101", "102", "103", "104"), **options) -> FakeShopifyDiscounts:
        store = FakeShopifyDiscounts(
            token=TOKEN, customer_ids=set(customer_ids), clock=clock.monotonic, **options
        )
        store.clock_now = clock.now
        store.install(httpserver)
        return store

    return make


@pytest.fixture
def settings(httpserver) -> dict:
    return {"shop": "casafacil", "api_version": "2026-10", "base_url": httpserver.url_for("/")}


@pytest.fixture
def make_destination(settings, clock):
    def make(token: str = TOKEN, **overrides) -> shopify_coupons.ShopifyCoupons:
        return shopify_coupons.from_config(
            {**settings, **overrides},
            {"access_token": token},
            sleep=clock.sleep,
            now=clock.now,
        )

    return make
