"""An in-process imitation of an OAuth 2.0 token endpoint (the refresh-token grant).

Google's and Login with Amazon's behave alike (RFC 6749, section 6): form fields
``grant_type=refresh_token``, ``refresh_token``, ``client_id``, ``client_secret``; an answer
with ``access_token``, ``expires_in`` and ``token_type``; ``invalid_grant`` (HTTP 400) for a
revoked refresh token. It issues numbered access tokens with a lifetime and lets a test
revoke every token issued so far, so that the APIs' fakes answer 401 to them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from werkzeug import Response


@dataclass
class FakeTokenEndpoint:
    """A token endpoint: access tokens for a refresh token, with a lifetime."""

    client_id: str
    client_secret: str
    refresh_token: str
    token_prefix: str
    path: str = "/token"
    expires_in: int = 3600
    revoked: bool = False
    # The API refuses every token issued (e.g. the OAuth client lacks the API's scope).
    dead_on_arrival: bool = False
    issued: list[str] = field(default_factory=list)
    rejected: set[str] = field(default_factory=set)
    url: str = ""

    def register(self, httpserver) -> None:
        self.url = httpserver.url_for(self.path)
        httpserver.expect_request(self.path, method="POST").respond_with_handler(self.token)

    def token(self, request):
        form = request.form
        valid = (
            form.get("grant_type"),
            form.get("client_id"),
            form.get("client_secret"),
            form.get("refresh_token"),
        ) == ("refresh_token", self.client_id, self.client_secret, self.refresh_token)
        if self.revoked or not valid:
            body = {"error": "invalid_grant", "error_description": self.refusal}
            return Response(json.dumps(body), status=400, content_type="application/json")
        self.issued.append(f"{self.token_prefix}{len(self.issued) + 1}")
        if self.dead_on_arrival:
            self.rejected.add(self.issued[-1])
        body = {
            "access_token": self.issued[-1],
            "expires_in": self.expires_in,
            "token_type": "Bearer",
        }
        return Response(json.dumps(body), content_type="application/json")

    @property
    def refusal(self) -> str:
        return "The refresh token is invalid or has been revoked."

    def accepts(self, authorization: str | None) -> bool:
        """Whether an API request's Authorization header holds a live token."""
        token = (authorization or "").removeprefix("Bearer ")
        return token in self.issued and token not in self.rejected

    def expire_all(self) -> None:
        """Every token issued so far stops working (revoked or rotated server-side)."""
        self.rejected |= set(self.issued)
