"""singer-sdk's standard tap tests (discovery, sync, schema and key checks) on the fake account,
run for each source the tap lands: the store's streams and the subscriptions.

``get_tap_test_class`` needs its configuration when the module is imported, so the fake API
gets its own server here, started at import and stopped when the module's tests are done.
"""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer
from singer_sdk.testing import get_tap_test_class
from tap_cerebro_stripe.tap import TapCerebroStripe

from tests.taps.tap_cerebro_stripe.conftest import KEY, NOW, START, account
from tests.taps.tap_cerebro_stripe.fake_stripe_api import FakeStripeApi

SERVER = HTTPServer(host="127.0.0.1", port=0)
SERVER.start()
API = FakeStripeApi(account(customers=12, seed=3), key=KEY)
API.register(SERVER)
CONFIG = {
    "tenant_id": "suscripciones_sdk",
    "api_key": KEY,
    "start_date": START.isoformat(),
    "end_date": NOW.isoformat(),
    "base_url": API.base_url,
    "slice_days": 60,
}

TestTapCerebroStripeStore = get_tap_test_class(TapCerebroStripe, config=CONFIG)
TestTapCerebroStripeSubscriptions = get_tap_test_class(
    TapCerebroStripe, config={**CONFIG, "source": "stripe"}
)


@pytest.fixture(scope="module", autouse=True)
def stop_server():
    yield
    SERVER.clear()
    SERVER.stop()
