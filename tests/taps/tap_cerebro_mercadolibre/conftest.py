"""Fixtures for the Mercado Libre tap: a fake seller behind its API on the test's server, on a
clock the tap and the fake share (access tokens expire by it)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.taps.conftest import FakeClock
from tests.taps.tap_cerebro_mercadolibre.fake_mercadolibre_api import (
    FakeMercadoLibreApi,
    Seller,
    make_seller,
)

CLIENT_ID = "4455667788990011"
CLIENT_SECRET = "SECRET-app-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2"
REFRESH_TOKEN = "TG-first-SECRET-refresh-98765432"
TENANT = "tienda_meli_cl"
SELLER_ID = "98765432"
START = dt.datetime(2026, 6, 1, 4, 0, tzinfo=dt.UTC)
#: The sync's instant: the window's end.
NOW = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)


def seller(buyers: int = 40, seed: int = 11, ads_end: dt.datetime | None = None) -> Seller:
    return make_seller(seed=seed, buyers=buyers, start=START, end=NOW, ads_end=ads_end)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def served() -> Seller:
    return seller()


@pytest.fixture
def api(httpserver, served, clock) -> FakeMercadoLibreApi:
    fake = FakeMercadoLibreApi(served, client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                               refresh_token=REFRESH_TOKEN, now=clock.now)  # fmt: skip
    fake.register(httpserver)
    return fake


@pytest.fixture
def config(api, tmp_path) -> dict:
    return {
        "tenant_id": TENANT,
        "seller_id": SELLER_ID,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "refresh_token": REFRESH_TOKEN,
        "token_store_path": str(tmp_path / "tokens" / "meli.json"),
        "start_date": START.isoformat(),
        "base_url": api.base_url,
        "slice_hours": 24 * 10,
        "page_size": 13,
    }
