"""OAuth 2.0 access tokens minted from a refresh token, refreshed before they expire.

Google (Ads, Search Console) and Login with Amazon (Amazon Ads) both hand out short-lived
access tokens (about an hour) for a long-lived refresh token at a token endpoint, with the
standard ``refresh_token`` grant (RFC 6749, section 6): form fields ``grant_type``,
``refresh_token``, ``client_id`` and ``client_secret``; an answer with ``access_token`` and
``expires_in``; an ``error`` such as ``invalid_grant`` when the refresh token is revoked.
The token is refreshed shortly before ``expires_in`` runs out, and once more when the API
rejects it with 401 (revoked or rotated); a second rejection in a row is fatal, since another
refresh would not help.
"""

from __future__ import annotations

import datetime as dt
import typing as t

import requests
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

from cerebro_tap_kit.clock import Clock

# Refresh a little early, so a token never expires between signing and arrival.
REFRESH_MARGIN = dt.timedelta(seconds=120)


class RefreshTokenOAuth(requests.auth.AuthBase):
    """Signs requests with a current access token (``Authorization: Bearer``).

    Subclasses name the ``provider`` (it appears in every message), may say how to recover
    from a refused refresh (``refusal_hint``) and how long a token lives when the answer does
    not say (``default_lifetime``), and may extend ``_refresh`` (a provider whose refresh
    token rotates keeps the new one, see tap_cerebro_mercadolibre.auth).
    """

    provider: t.ClassVar[str] = "The OAuth provider"
    refusal_hint: t.ClassVar[str] = (
        "Authorize the app again and put the new refresh token in the environment variable "
        "the tenant names for refresh_token."
    )
    default_lifetime: t.ClassVar[dt.timedelta] = dt.timedelta(hours=1)

    def __init__(
        self,
        *,
        token_url: str,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        clock: Clock,
        session: requests.Session | None = None,
    ) -> None:
        self.token_url = token_url
        self._client = {"client_id": client_id, "client_secret": client_secret}
        self._refresh_token = refresh_token
        self._clock = clock
        self._session = session or requests.Session()
        self._access_token: str | None = None
        self._expires_at = dt.datetime.min.replace(tzinfo=dt.UTC)
        self._refreshed_after_rejection = False
        self.refreshes = 0

    @classmethod
    def from_config(cls, config: t.Mapping[str, t.Any], clock: Clock) -> t.Self:
        """From a tap's ``token_url``, ``client_id``, ``client_secret`` and ``refresh_token``."""
        return cls(
            token_url=config["token_url"],
            client_id=config["client_id"],
            client_secret=config["client_secret"],
            refresh_token=config["refresh_token"],
            clock=clock,
        )

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """Put a valid access token on ``request``, refreshing it first if needed."""
        request.headers["Authorization"] = f"Bearer {self.access_token()}"
        return request

    def access_token(self) -> str:
        """The current token, refreshed when missing or about to expire."""
        if self._access_token is None or self._clock.now() >= self._expires_at - REFRESH_MARGIN:
            self._refresh()
        assert self._access_token is not None
        return self._access_token

    def retry_after_rejection(self) -> bool:
        """The API answered 401: True (and drop the token) if a fresh token may fix it."""
        if self._refreshed_after_rejection:
            return False
        self._refreshed_after_rejection = True
        self._access_token = None
        return True

    def accepted(self) -> None:
        """The API accepted the token; a later 401 deserves another refresh."""
        self._refreshed_after_rejection = False

    def _refresh(self) -> None:
        self._use(self._token_answer())

    def _token_answer(self) -> dict[str, t.Any]:
        """The token endpoint's answer to the refresh grant; a refusal is fatal, one line."""
        response = self._session.post(
            self.token_url,
            data={
                "grant_type": "refresh_token",
                "refresh_token": self._refresh_token,
                **self._client,
            },
            headers={"Accept": "application/json"},
            timeout=60,
        )
        if response.status_code == 429 or response.status_code >= 500:
            raise RetriableAPIError(
                f"the {self.provider} token endpoint answered HTTP {response.status_code}",
                response,
            )
        payload = _json_or_empty(response)
        if response.status_code != 200 or "access_token" not in payload:
            # invalid_grant: the refresh token was revoked, expired or belongs to other
            # client credentials.
            raise FatalAPIError(
                f"{self.provider} refused to refresh the access token (HTTP "
                f"{response.status_code}, {payload.get('error') or 'no error code'}: "
                f"{payload.get('error_description') or 'no description'}). "
                f"{self.refusal_hint}"
            )
        return payload

    def _use(self, payload: dict[str, t.Any]) -> None:
        """Sign with the answer's access token until shortly before it expires."""
        self._access_token = str(payload["access_token"])
        seconds = payload.get("expires_in")
        lifetime = dt.timedelta(seconds=int(seconds)) if seconds else self.default_lifetime
        self._expires_at = self._clock.now() + lifetime
        self.refreshes += 1


def _json_or_empty(response: requests.Response) -> dict[str, t.Any]:
    try:
        payload = response.json()
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


def oauth_client_properties(provider: str, scope: str) -> list:
    """The config settings a tap needs to mint access tokens: the OAuth client and a refresh
    token issued for ``scope`` (named in its description)."""
    from singer_sdk import typing as th

    return [
        th.Property(
            "client_id", th.StringType, required=True,
            description=f"{provider} OAuth client id the refresh token was issued to.",
        ),
        th.Property(
            "client_secret", th.StringType, required=True, secret=True,
            description=f"{provider} OAuth client secret.",
        ),
        th.Property(
            "refresh_token", th.StringType, required=True, secret=True,
            description=f"OAuth refresh token with the {scope} scope.",
        ),
    ]  # fmt: skip


def token_url_property(default: str):
    """The token endpoint setting (a proxy or a test server may replace the provider's)."""
    from singer_sdk import typing as th

    return th.Property(
        "token_url", th.StringType, default=default,
        description="OAuth token endpoint used to refresh the access token.",
    )  # fmt: skip
