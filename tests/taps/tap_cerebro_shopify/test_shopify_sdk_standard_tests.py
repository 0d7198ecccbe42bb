"""The Meltano Singer SDK's standard tap tests, against the same local fake Admin API.

The SDK builds its test class when this module is imported, with a fixed configuration,
so the fake API listens on a port chosen now and starts before the first test.
"""

from __future__ import annotations

import socket

import pytest
from pytest_httpserver import HTTPServer
from singer_sdk.testing import get_tap_test_class
from tap_cerebro_shopify.tap import TapCerebroShopify

from tests.taps.tap_cerebro_shopify.shopify_fake_admin_api import FakeShop, FakeShopifyAdminAPI
from tests.taps.tap_cerebro_shopify.shopify_fake_shop import NOW, TOKEN, fake_shop_from_rows


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


SERVER = HTTPServer(host="127.0.0.1", port=_free_port())
CONFIG = {
    "tenant_id": "tienda_sdk",
    "shop": "tienda-sdk",
    "access_token": TOKEN,
    "base_url": f"http://127.0.0.1:{SERVER.port}/",
    "end_date": NOW.isoformat(),
}


@pytest.fixture(scope="module", autouse=True)
def fake_admin_api(demo_rows):
    """A slice of the demo store in which every stream has records."""
    demo = fake_shop_from_rows(demo_rows)
    with_refunds = [order for order in demo.orders if order["refunds"]]
    shop = FakeShop(
        customers=demo.customers[::6],
        orders=with_refunds + [o for o in demo.orders[::15] if o not in with_refunds],
        checkouts=demo.checkouts[::20],
    )
    FakeShopifyAdminAPI(shop, token=TOKEN, now=NOW).install(SERVER)
    SERVER.start()
    yield
    SERVER.clear()
    SERVER.stop()


TestTapCerebroShopify = get_tap_test_class(TapCerebroShopify, config=CONFIG)
