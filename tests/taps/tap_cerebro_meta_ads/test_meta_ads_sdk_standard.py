"""singer-sdk's standard tap tests (discovery, sync, schema and key checks) on the fake API.

``get_tap_test_class`` needs its configuration when the module is imported, so
the fake API gets its own server here, started at import and stopped when the
module's tests are done.
"""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer
from singer_sdk.testing import get_tap_test_class
from tap_cerebro_meta_ads.tap import TapCerebroMetaAds

from tests.taps.tap_cerebro_meta_ads.fake_meta_api import Account, FakeMetaApi

SERVER = HTTPServer(host="127.0.0.1", port=0)
SERVER.start()
API = FakeMetaApi(
    "standard-test-token",
    {"1029384756": Account("America/Santiago", "CLP", ("120001", "120002", "120003"))},
)
API.register(SERVER)

TestTapCerebroMetaAdsStandard = get_tap_test_class(
    TapCerebroMetaAds,
    config={
        "tenant_id": "tienda_cl",
        "access_token": "standard-test-token",
        "account_ids": ["1029384756"],
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
