"""The fake Login with Amazon endpoint and the fake Amazon Ads API, wired for every test."""

from __future__ import annotations

import datetime as dt

import pytest
from fake_amazon_ads_api import FakeAmazonAdsApi, Profile
from fake_oauth_token import FakeTokenEndpoint

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


@pytest.fixture
def lwa(httpserver) -> FakeTokenEndpoint:
    endpoint = lwa_endpoint()
    endpoint.register(httpserver)
    return endpoint


@pytest.fixture
def api(httpserver, lwa) -> FakeAmazonAdsApi:
    fake = FakeAmazonAdsApi(lwa, CLIENT_ID, PROFILES, TODAY)
    fake.register(httpserver)
    return fake


@pytest.fixture
def config(api, lwa) -> dict:
    return {
        "tenant_id": "tienda_us",
        "client_id": CLIENT_ID,
        "client_secret": lwa.client_secret,
        "refresh_token": lwa.refresh_token,
        "profile_ids": [LOS_ANGELES, MEXICO],
        "start_date": "2024-12-01",
        "base_url": api.base_url,
        "token_url": lwa.url,
    }
