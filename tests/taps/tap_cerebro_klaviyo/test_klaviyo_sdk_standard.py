"""singer-sdk's standard tap tests (discovery, sync, schema and key checks) on the fake Klaviyo
account.

``get_tap_test_class`` needs its configuration when the module is imported, so the fake gets its
own server here, started at import and stopped when the module's tests are done.
"""

from __future__ import annotations

import pytest
from singer_sdk.testing import get_tap_test_class
from tap_cerebro_klaviyo.tap import TapCerebroKlaviyo

from tests.cerebro.actions.activation.klaviyo.fake_klaviyo import serving
from tests.taps.tap_cerebro_klaviyo.conftest import KEY, NOW, START, account

SERVING = serving(account(profiles=15, seed=3))
BASE_URL = SERVING.__enter__()
CONFIG = {
    "tenant_id": "casafacil_sdk",
    "api_key": KEY,
    "start_date": START.isoformat(),
    "end_date": NOW.isoformat(),
    "base_url": BASE_URL,
    "page_size": 20,
}

TestTapCerebroKlaviyo = get_tap_test_class(TapCerebroKlaviyo, config=CONFIG)


@pytest.fixture(scope="module", autouse=True)
def stop_server():
    yield
    SERVING.__exit__(None, None, None)
