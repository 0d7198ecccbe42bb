"""The fake Login with Amazon endpoint and the fake Amazon Ads API, wired for every test."""

from __future__ import annotations

import pytest

from tests.taps.fake_oauth_token import FakeTokenEndpoint
from tests.taps.tap_cerebro_amazon_ads.amazon_ads_profiles import (
    CLIENT_ID,
    LOS_ANGELES,
    MEXICO,
    PROFILES,
    TODAY,
    lwa_endpoint,
)
from tests.taps.tap_cerebro_amazon_ads.fake_amazon_ads_api import FakeAmazonAdsApi


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
