"""An in-process imitation of Google's OAuth token endpoint (refresh-token grant).

Shared by the Google Ads and Search Console tests and the Customer Match destination's: the
generic endpoint of ``fake_oauth_token`` with Google's token shapes (``ya29.`` access tokens
living 3,599 seconds, ``Token expired or revoked.`` with ``invalid_grant``).
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.taps.fake_oauth_token import FakeTokenEndpoint


@dataclass
class FakeGoogleTokenEndpoint(FakeTokenEndpoint):
    """Google's OAuth token endpoint: access tokens for a refresh token, with a lifetime."""

    client_id: str = "client-id.apps.googleusercontent.com"
    client_secret: str = "google-client-secret-XYZ"
    refresh_token: str = "1//google-refresh-token-ABC"
    token_prefix: str = "ya29.access-"
    expires_in: int = 3599

    @property
    def refusal(self) -> str:
        return "Token expired or revoked."
