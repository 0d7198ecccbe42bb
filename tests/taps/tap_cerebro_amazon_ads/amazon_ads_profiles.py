"""The fake Login with Amazon client and the two advertiser profiles every test uses: conftest.py
wires them into fixtures, and the tests read the same names."""

from __future__ import annotations

import datetime as dt

from tests.taps.fake_oauth_token import FakeTokenEndpoint
from tests.taps.tap_cerebro_amazon_ads.fake_amazon_ads_api import Profile

CLIENT_ID = "amzn1.application-oa2-client.cerebro0123"
LOS_ANGELES, MEXICO = "1111111111", "2222222222"
PROFILES = {
    LOS_ANGELES: Profile("US", "USD", "America/Los_Angeles", "ATVPDKIKX0DER", "Casa US",
                         (158410630682987, 158410630682988)),
    MEXICO: Profile("MX", "MXN", "America/Mexico_City", "A1AM78C64UM0Y8", "Casa MX",
                    (287000000000001,)),
}  # fmt: skip
# 07:30 UTC on 15 January 2025: 23:30 on the 14th in Los Angeles (-08) and 01:30 on the
# 15th in Mexico City (-06).
NOW = "2025-01-15T07:30:00+00:00"
TODAY = dt.date(2025, 1, 15)


def lwa_endpoint() -> FakeTokenEndpoint:
    return FakeTokenEndpoint(
        client_id=CLIENT_ID,
        client_secret="lwa-client-secret-XYZ",
        refresh_token="Atzr|lwa-refresh-token-SECRET",
        token_prefix="Atza|access-",
        path="/auth/o2/token",
    )
