"""Mercado Libre's OAuth: six-hour access tokens minted from a refresh token that works once.

Vendor facts this module honours (https://developers.mercadolibre.cl/es_ar/autenticacion-y-autorizacion):

- ``POST /oauth/token`` with ``grant_type=refresh_token``, ``client_id``, ``client_secret`` and
  ``refresh_token`` answers ``access_token``, ``expires_in`` (21600 seconds), ``user_id`` and a
  **new** ``refresh_token``: the one sent is spent, and sending it again is ``invalid_grant``.
  A refresh token also dies after six months unused, when the seller revokes the app or changes
  the password: ``invalid_grant`` too, which only the seller authorizing again can fix.
- A token that expired or was revoked makes the API answer 401 (``invalid_token``).

Because the refresh token rotates, the one the tenant's environment variable holds is good for
one refresh only. The new one is written to ``token_store_path`` (a file only its owner reads,
replaced atomically) *before* the access token is used, so a run that dies right after a refresh
does not lose it; the next run reads the file. The file remembers a fingerprint of the variable's
token it descends from: when the seller authorizes again and the variable changes, the
variable's new token wins. Neither token is ever put in a message or a log line.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import tempfile
import typing as t
from pathlib import Path

import requests
from cerebro_tap_kit.oauth_refresh import RefreshTokenOAuth

if t.TYPE_CHECKING:
    from cerebro_tap_kit.clock import Clock

#: Mercado Libre's access tokens last six hours; used when an answer omits ``expires_in``.
DEFAULT_LIFETIME_SECONDS = 21600


def fingerprint(token: str) -> str:
    """A token's SHA-256, to recognise it without keeping it."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenStore:
    """The latest refresh token of one seller, in a JSON file readable by its owner only."""

    def __init__(self, path: str | os.PathLike | None) -> None:
        self.path = Path(path) if path else None

    def load(self, configured_token: str) -> str:
        """The refresh token to spend: the stored one if it descends from
        ``configured_token``, else ``configured_token`` (a first run, or a new authorization)."""
        if self.path is None or not self.path.exists():
            return configured_token
        try:
            stored = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return configured_token
        if stored.get("seeded_from") != fingerprint(configured_token):
            return configured_token
        return str(stored.get("refresh_token") or configured_token)

    @contextlib.contextmanager
    def locked(self):
        """Hold the store's lock: two runs of one seller (its orders and its ads, or a check
        beside a run) refresh one at a time, each with the token the other left."""
        if self.path is None:
            yield
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def save(self, refresh_token: str, configured_token: str, user_id: object) -> None:
        """Replace the stored token atomically (a crash leaves the old file or the new one)."""
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "refresh_token": refresh_token,
            "seeded_from": fingerprint(configured_token),
            "user_id": user_id,
        }
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".meli-token-")
        try:
            os.fchmod(handle, 0o600)
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                json.dump(payload, file)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


class MercadoLibreOAuth(RefreshTokenOAuth):
    """Signs requests with a current access token, refreshing (and persisting the rotated
    refresh token) when it is missing, about to expire, or rejected once with 401."""

    provider = "Mercado Libre"
    refusal_hint = (
        "Its refresh token works once and was already used, expired or revoked: authorize "
        "the app again and put the new refresh token in the environment variable the tenant "
        "names for refresh_token."
    )
    default_lifetime = dt.timedelta(seconds=DEFAULT_LIFETIME_SECONDS)

    def __init__(
        self,
        *,
        token_url: str,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        store: TokenStore,
        clock: Clock,
        session: requests.Session | None = None,
    ) -> None:
        super().__init__(
            token_url=token_url, client_id=client_id, client_secret=client_secret,
            refresh_token=refresh_token, clock=clock, session=session,
        )  # fmt: skip
        self._configured = refresh_token
        self._store = store
        self.user_id: str | None = None

    def _refresh(self) -> None:
        with self._store.locked():
            # Another run of the same seller may have spent the token this one loaded.
            self._refresh_token = self._store.load(self._configured)
            payload = self._token_answer()
            new_refresh = payload.get("refresh_token")
            if new_refresh:
                # Persist before use: the old token is already spent at Mercado Libre.
                self._store.save(str(new_refresh), self._configured, payload.get("user_id"))
                self._refresh_token = str(new_refresh)
            self._use(payload)
            if payload.get("user_id") is not None:
                self.user_id = str(payload["user_id"])
