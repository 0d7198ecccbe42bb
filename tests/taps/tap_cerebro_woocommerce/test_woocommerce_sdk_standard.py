"""singer-sdk's standard tap tests (discovery, sync, schema and key checks) on the fake store.

``get_tap_test_class`` needs its configuration when the module is imported, so the fake API
gets its own server here, started at import and stopped when the module's tests are done.
"""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer
from singer_sdk.testing import get_tap_test_class
from tap_cerebro_woocommerce.tap import TapCerebroWooCommerce

from tests.taps.tap_cerebro_woocommerce.conftest import KEY, NOW, SECRET, store
from tests.taps.tap_cerebro_woocommerce.fake_woocommerce_api import FakeWooCommerceApi

SERVER = HTTPServer(host="127.0.0.1", port=0)
SERVER.start()
API = FakeWooCommerceApi(store(orders=60, customers=15), key=KEY, secret=SECRET)
API.register(SERVER)

TestTapCerebroWooCommerceStandard = get_tap_test_class(
    TapCerebroWooCommerce,
    config={
        "tenant_id": "tienda_sdk",
        "store_url": API.base_url,
        "consumer_key": KEY,
        "consumer_secret": SECRET,
        "end_date": NOW.isoformat(),
        "page_size": 20,
    },
)


@pytest.fixture(scope="module", autouse=True)
def stop_server():
    yield
    SERVER.clear()
    SERVER.stop()
