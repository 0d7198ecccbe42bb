"""singer-sdk's standard tap tests (discovery, sync, schema and key checks) on the fake API.

``get_tap_test_class`` needs its configuration when the module is imported, so the fake API
and token endpoint get their own server here, started at import and stopped when the
module's tests are done. The tap waits on the system clock here: pauses are hundredths of a
second.
"""

from __future__ import annotations

import datetime as dt

import pytest
from pytest_httpserver import HTTPServer
from singer_sdk.testing import get_tap_test_class
from tap_cerebro_amazon_ads.tap import TapCerebroAmazonAds

from tests.taps.tap_cerebro_amazon_ads.amazon_ads_profiles import CLIENT_ID, lwa_endpoint
from tests.taps.tap_cerebro_amazon_ads.fake_amazon_ads_api import FakeAmazonAdsApi, Profile

SERVER = HTTPServer(host="127.0.0.1", port=0)
SERVER.start()
TOKENS = lwa_endpoint()
TOKENS.register(SERVER)
API = FakeAmazonAdsApi(
    TOKENS, CLIENT_ID,
    {"3333333333": Profile("US", "USD", "America/New_York", "ATVPDKIKX0DER", "Tienda", (1234567,))},
    today=dt.date(2024, 4, 11),
)  # fmt: skip
API.polls_until_ready = 1
API.register(SERVER)

TestTapCerebroAmazonAdsStandard = get_tap_test_class(
    TapCerebroAmazonAds,
    config={
        "tenant_id": "tienda_us",
        "client_id": CLIENT_ID,
        "client_secret": TOKENS.client_secret,
        "refresh_token": TOKENS.refresh_token,
        "profile_ids": ["3333333333"],
        "start_date": "2024-03-01",
        "end_date": "2024-04-10",
        "base_url": API.base_url,
        "token_url": TOKENS.url,
        "poll_interval_seconds": 0.01,
    },
)


@pytest.fixture(scope="module", autouse=True)
def stop_server():
    yield
    SERVER.clear()
    SERVER.stop()
