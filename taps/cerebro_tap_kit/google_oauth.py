"""Google OAuth 2.0: access tokens from a refresh token, refreshed before they expire.

Google Ads and Search Console take a short-lived access token (about an hour)
minted from a long-lived refresh token at the token endpoint
(https://developers.google.com/identity/protocols/oauth2/web-server#offline).
The refresh flow is the standard one (``oauth_refresh.RefreshTokenOAuth``); a refresh
token of an app in "testing" status expires after 7 days (``invalid_grant``).
"""

from __future__ import annotations

import typing as t

from cerebro_tap_kit.oauth_refresh import (
    RefreshTokenOAuth,
    oauth_client_properties,
    token_url_property,
)

GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"


class GoogleOAuth(RefreshTokenOAuth):
    """Signs requests with a current Google access token (``Authorization: Bearer``)."""

    provider: t.ClassVar[str] = "Google"


def google_oauth_properties(scope: str) -> list:
    """The config settings every Google tap needs to mint access tokens: the OAuth client and
    a refresh token issued for ``scope`` (named in its description)."""
    return oauth_client_properties("Google", scope)


def google_token_url_property():
    """The token endpoint setting (a proxy or a test server may replace Google's)."""
    return token_url_property(GOOGLE_TOKEN_URL)
