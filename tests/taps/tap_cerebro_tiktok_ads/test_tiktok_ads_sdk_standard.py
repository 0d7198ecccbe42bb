"""singer-sdk's standard tap tests (discovery, sync, schema and key checks) on the fake API.

``get_tap_test_class`` needs its configuration when the module is imported, so the fake API
gets its own server here, started at import and stopped when the module's tests are done.
"""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer
from singer_sdk.testing import get_tap_test_class
from tap_cerebro_tiktok_ads.tap import TapCerebroTikTokAds

from tests.taps.tap_cerebro_tiktok_ads.fake_tiktok_api import Advertiser, FakeTikTokApi

SERVER = HTTPServer(host="127.0.0.1", port=0)
SERVER.start()
API = FakeTikTokApi(
    "standard-test-token",
    {
        "7001234567890": Advertiser(
            "Tienda", "CLP", "Etc/GMT+4", "America/Santiago", ("1801", "1802")
        )
    },
)
API.register(SERVER)

TestTapCerebroTikTokAdsStandard = get_tap_test_class(
    TapCerebroTikTokAds,
    config={
        "tenant_id": "tienda_cl",
        "access_token": "standard-test-token",
        "advertiser_ids": ["7001234567890"],
        "start_date": "2024-03-01",
        "end_date": "2024-04-10",
        "base_url": API.base_url,
        "page_size": 25,
    },
)


@pytest.fixture(scope="module", autouse=True)
def stop_server():
    yield
    SERVER.clear()
    SERVER.stop()
