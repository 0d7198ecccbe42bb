"""An in-process imitation of Google's OAuth token endpoint (refresh-token grant).

Shared by the Google Ads and Search Console tests: it issues numbered access
tokens with a lifetime, refuses a revoked refresh token with ``invalid_grant``
as Google does, and lets a test revoke every token issued so far, so that the
APIs' fakes answer 401 to them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from werkzeug import Response


@dataclass
class FakeGoogleTokenEndpoint:
    """Google's OAuth token endpoint: access tokens for a refresh token, with a lifetime."""

    client_id: str = "client-id.apps.googleusercontent.com"
    client_secret: str = "google-client-secret-XYZ"
    refresh_token: str = "1//google-refresh-token-ABC"
    expires_in: int = 3599
    revoked: bool = False
    # The API refuses every token issued (e.g. the OAuth client lacks the API's scope).
    dead_on_arrival: bool = False
    issued: list[str] = field(default_factory=list)
    rejected: set[str] = field(default_factory=set)
    url: str = ""

    def register(self, httpserver) -> None:
        self.url = httpserver.url_for("/token")
        httpserver.expect_request("/token", method="POST").respond_with_handler(self.token)

    def token(self, request):
        form = request.form
        valid = (
            form.get("grant_type"),
            form.get("client_id"),
            form.get("client_secret"),
            form.get("refresh_token"),
        ) == ("refresh_token", self.client_id, self.client_secret, self.refresh_token)
        if self.revoked or not valid:
            body = {"error": "invalid_grant", "error_description": "Token expired or revoked."}
            return Response(json.dumps(body), status=400, content_type="application/json")
        self.issued.append(f"ya29.access-{len(self.issued) + 1}")
        if self.dead_on_arrival:
            self.rejected.add(self.issued[-1])
        body = {
            "access_token": self.issued[-1],
            "expires_in": self.expires_in,
            "token_type": "Bearer",
        }
        return Response(json.dumps(body), content_type="application/json")

    def accepts(self, authorization: str | None) -> bool:
        """Whether an API request's Authorization header holds a live token."""
        token = (authorization or "").removeprefix("Bearer ")
        return token in self.issued and token not in self.rejected

    def expire_all(self) -> None:
        """Every token issued so far stops working (revoked or rotated server-side)."""
        self.rejected |= set(self.issued)
