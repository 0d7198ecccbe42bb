"""Fixtures for the Stripe tap: a fake account behind its API on the test's server."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.taps.tap_cerebro_stripe.fake_stripe_api import Account, FakeStripeApi, make_account

KEY = "rk_live_51FakeSECRETkey0123456789abcdefRESTRICTED"
TENANT = "suscripciones_cl"
START = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)


def account(customers: int = 30, seed: int = 5) -> Account:
    return make_account(seed=seed, customers=customers, start=START, end=NOW)


@pytest.fixture
def served() -> Account:
    return account()


@pytest.fixture
def make_api(httpserver):
    def make(served_account: Account, **options) -> FakeStripeApi:
        api = FakeStripeApi(served_account, key=KEY, **options)
        api.register(httpserver)
        return api

    return make


@pytest.fixture
def api(make_api, served) -> FakeStripeApi:
    return make_api(served)


@pytest.fixture
def config(api) -> dict:
    return {
        "tenant_id": TENANT,
        "api_key": KEY,
        "start_date": START.isoformat(),
        "base_url": api.base_url,
        "page_size": 10,
        "slice_days": 30,
    }
