"""singer-sdk's standard tap tests (discovery, sync, schema and key checks) on the fake API.

``get_tap_test_class`` needs its configuration when the module is imported, so the fake API
gets its own server here, started at import and stopped when the module's tests are done.
"""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer
from singer_sdk.testing import get_tap_test_class
from tap_cerebro_exchange_rates.tap import TapCerebroExchangeRates

from tests.taps.tap_cerebro_exchange_rates.fake_bcch_api import PASSWORD, USER, FakeBcchApi

SERVER = HTTPServer(host="127.0.0.1", port=0)
SERVER.start()
API = FakeBcchApi(last_published="2024-03-15")
API.register(SERVER)

TestTapCerebroExchangeRatesStandard = get_tap_test_class(
    TapCerebroExchangeRates,
    config={
        "tenant_id": "tienda_cl",
        "user": USER,
        "password": PASSWORD,
        "start_date": "2024-02-20",
        "end_date": "2024-03-15",
        "base_url": API.base_url,
    },
)


@pytest.fixture(scope="module", autouse=True)
def stop_server():
    yield
    SERVER.clear()
    SERVER.stop()
