"""singer-sdk's standard tap tests (discovery, sync, schema and key checks) on the fake API.

``get_tap_test_class`` needs its configuration when the module is imported, so
the fake API and token endpoint get their own server here, started at import
and stopped when the module's tests are done.
"""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer
from singer_sdk.testing import get_tap_test_class
from tap_cerebro_ga4.tap import TapCerebroGa4

from tests.taps.fake_google_oauth import FakeGoogleTokenEndpoint
from tests.taps.tap_cerebro_ga4.fake_ga4_api import FakeGa4Api

SERVER = HTTPServer(host="127.0.0.1", port=0)
SERVER.start()
TOKENS = FakeGoogleTokenEndpoint()
TOKENS.register(SERVER)
API = FakeGa4Api(TOKENS, ("123456789",), fresh_from="2024-03-08")
API.register(SERVER)

TestTapCerebroGa4Standard = get_tap_test_class(
    TapCerebroGa4,
    config={
        "tenant_id": "tienda_cl",
        "property_ids": ["123456789"],
        "client_id": TOKENS.client_id,
        "client_secret": TOKENS.client_secret,
        "refresh_token": TOKENS.refresh_token,
        "start_date": "2024-03-01",
        "end_date": "2024-03-09",
        "row_limit": 7,
        "base_url": API.base_url,
        "token_url": TOKENS.url,
    },
)


@pytest.fixture(scope="module", autouse=True)
def stop_server():
    yield
    SERVER.clear()
    SERVER.stop()
