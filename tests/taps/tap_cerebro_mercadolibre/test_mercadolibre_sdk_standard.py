"""singer-sdk's standard tap tests (discovery, sync, schema and key checks) on the fake seller,
run for each source the tap lands: the store's streams and Product Ads.

``get_tap_test_class`` needs its configuration when the module is imported, so the fake API
gets its own server here, started at import and stopped when the module's tests are done. The
refresh token rotates on every run, so the runs share a token file, as Cerebro's runs do.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from singer_sdk.testing import get_tap_test_class
from tap_cerebro_mercadolibre.tap import TapCerebroMercadoLibre

from tests.taps.conftest import FakeClock
from tests.taps.tap_cerebro_mercadolibre.conftest import (
    CLIENT_ID,
    CLIENT_SECRET,
    NOW,
    REFRESH_TOKEN,
    SELLER_ID,
    START,
    seller,
)
from tests.taps.tap_cerebro_mercadolibre.fake_mercadolibre_api import FakeMercadoLibreApi

SERVER = HTTPServer(host="127.0.0.1", port=0)
SERVER.start()
TOKENS = tempfile.TemporaryDirectory(prefix="meli-sdk-tokens-")
CLOCK = FakeClock(NOW)
API = FakeMercadoLibreApi(seller(buyers=12, seed=3), client_id=CLIENT_ID,
                          client_secret=CLIENT_SECRET, refresh_token=REFRESH_TOKEN,
                          now=CLOCK.now)  # fmt: skip
API.register(SERVER)
CONFIG = {
    "tenant_id": "tienda_meli_sdk",
    "seller_id": SELLER_ID,
    "client_id": CLIENT_ID,
    "client_secret": CLIENT_SECRET,
    "refresh_token": REFRESH_TOKEN,
    "token_store_path": str(Path(TOKENS.name) / "meli.json"),
    "start_date": START.isoformat(),
    "base_url": API.base_url,
    "slice_hours": 24 * 30,
}


class TapOnTheFakesClock(TapCerebroMercadoLibre):
    """The tap, on the clock the fake's tokens and its 90 days of ads are measured by."""

    clock = CLOCK


TestTapCerebroMercadoLibreStore = get_tap_test_class(TapOnTheFakesClock, config=CONFIG)
TestTapCerebroMercadoLibreAds = get_tap_test_class(
    TapOnTheFakesClock, config={**CONFIG, "source": "mercadolibre_ads"}
)


@pytest.fixture(scope="module", autouse=True)
def stop_server():
    yield
    SERVER.clear()
    SERVER.stop()
    TOKENS.cleanup()
