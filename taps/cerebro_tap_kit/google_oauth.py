"""Google OAuth 2.0: access tokens from a refresh token, refreshed before they expire.

Google Ads, Search Console and GA4 take a short-lived access token (about an hour)
minted from a long-lived refresh token at the token endpoint
(https://developers.google.com/identity/protocols/oauth2/web-server#offline).
The refresh flow is the standard one (``oauth_refresh.RefreshTokenOAuth``); a refresh
token of an app in "testing" status expires after 7 days (``invalid_grant``).
"""

from __future__ import annotations

import functools
import typing as t

import requests
from singer_sdk.exceptions import FatalAPIError

from cerebro_tap_kit.http import RetryAfter
from cerebro_tap_kit.oauth_refresh import (
    RefreshTokenOAuth,
    oauth_client_properties,
    token_url_property,
)

GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"


class GoogleOAuth(RefreshTokenOAuth):
    """Signs requests with a current Google access token (``Authorization: Bearer``)."""

    provider: t.ClassVar[str] = "Google"

    def raise_for_rejected_token(self, api: str, message: str, response: requests.Response):
        """A 401 from a Google API: retried once with a fresh token, then one line saying the
        OAuth settings do not belong together (a token refreshed a moment ago is not stale)."""
        if self.retry_after_rejection():
            raise RetryAfter(f"{api} rejected the access token; refreshing it", response,
                             wait_seconds=0)  # fmt: skip
        raise FatalAPIError(
            f"{api} rejected a freshly refreshed access token ({message}). Check that "
            "client_id, client_secret and refresh_token belong to the same OAuth client."
        )


class GoogleOAuthTap:
    """A Google tap's access token, one for every request of the run (the tap has ``config``
    and a ``clock``)."""

    @functools.cached_property
    def google_oauth(self) -> GoogleOAuth:
        return GoogleOAuth.from_config(self.config, self.clock)


def google_oauth_properties(scope: str) -> list:
    """The config settings every Google tap needs to mint access tokens: the OAuth client and
    a refresh token issued for ``scope`` (named in its description)."""
    return oauth_client_properties("Google", scope)


def google_token_url_property():
    """The token endpoint setting (a proxy or a test server may replace Google's)."""
    return token_url_property(GOOGLE_TOKEN_URL)
