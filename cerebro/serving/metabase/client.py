"""A small JSON client for Metabase's REST API (https://www.metabase.com/docs/latest/api).

Only the standard library: a dozen endpoints do not justify an HTTP dependency. The client
counts its calls (the provisioning reports them) and never puts a credential in a message:
error texts are scrubbed of every secret it was given.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

#: Metabase sends ``X-Metabase-Session`` for a logged-in user and ``x-api-key`` for API keys.
SESSION_HEADER = "X-Metabase-Session"
API_KEY_HEADER = "x-api-key"


class MetabaseError(RuntimeError):
    """Metabase could not be reached or did not do what was asked; the message says what."""


class MetabaseSetupError(MetabaseError):
    """What a person must fix first (a password, a role, a credential): trying again later
    meets the same answer."""


class MetabaseApiError(MetabaseError):
    """Metabase answered with an HTTP error."""

    def __init__(self, method: str, path: str, status: int, message: str) -> None:
        #: ``message``: Metabase's own reason (scrubbed of secrets).
        self.method, self.path, self.status, self.message = method, path, status, message
        super().__init__(f"{method} {path} failed with HTTP {status}: {message}")


class MetabaseAuthError(MetabaseApiError):
    """Metabase rejected the credentials (HTTP 401)."""

    def __init__(self, method: str, path: str, status: int, message: str) -> None:
        super().__init__(method, path, status, message)
        self.args = (
            f"Metabase rejected the credentials for {method} {path} (HTTP {status}: {message}); "
            "check METABASE_API_KEY (or METABASE_API_KEY_FILE), or METABASE_ADMIN_EMAIL and "
            "METABASE_ADMIN_PASSWORD",
        )


def _error_text(raw: bytes) -> str:
    """Metabase's error bodies: ``{"message": ...}``, ``{"errors": {field: text}}`` or text."""
    text = raw.decode("utf-8", errors="replace").strip()
    try:
        document = json.loads(text)
    except ValueError:
        return text[:500] or "(empty body)"
    if isinstance(document, dict):
        if document.get("message"):
            return str(document["message"])
        if isinstance(document.get("errors"), dict):
            return "; ".join(f"{key}: {value}" for key, value in document["errors"].items())
    return text[:500]


class MetabaseClient:
    """JSON over HTTP to one Metabase, authenticated by a session or an API key."""

    def __init__(self, url: str, *, timeout: float = 60.0, secrets: Iterable[str] = ()) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._secrets = [s for s in secrets if s]
        self._auth: dict[str, str] = {}
        #: Calls made, by HTTP method.
        self.calls: Counter[str] = Counter()

    # Authentication -------------------------------------------------------------------------

    def use_session(self, session_id: str) -> None:
        self._secrets.append(session_id)
        self._auth = {SESSION_HEADER: session_id}

    def use_api_key(self, api_key: str) -> None:
        self._secrets.append(api_key)
        self._auth = {API_KEY_HEADER: api_key}

    @property
    def authenticated(self) -> bool:
        return bool(self._auth)

    @property
    def auth_method(self) -> str:
        if API_KEY_HEADER in self._auth:
            return "api key"
        return "session" if self._auth else "none"

    # Requests -------------------------------------------------------------------------------

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def request(
        self, method: str, path: str, *, body: Any = None, params: dict | None = None
    ) -> Any:
        """One call; the decoded JSON answer (None for an empty body)."""
        query = f"?{urllib.parse.urlencode(params, doseq=True)}" if params else ""
        data = None if body is None else json.dumps(body).encode("utf-8")
        headers = {"Accept": "application/json", **self._auth}
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(
            f"{self.url}{path}{query}", data=data, method=method, headers=headers
        )
        self.calls[method] += 1
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as error:
            message = self._scrub(_error_text(error.read()))
            kind = MetabaseAuthError if error.code == 401 else MetabaseApiError
            raise kind(method, path, error.code, message) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            reason = getattr(error, "reason", error)
            raise MetabaseError(
                f"cannot reach Metabase at {self.url} ({method} {path}): {reason}"
            ) from None
        return json.loads(raw) if raw.strip() else None

    def get(self, path: str, **params) -> Any:
        return self.request("GET", path, params=params or None)

    def post(self, path: str, body: Any = None) -> Any:
        return self.request("POST", path, body={} if body is None else body)

    def put(self, path: str, body: Any) -> Any:
        return self.request("PUT", path, body=body)

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    def wait_until_healthy(
        self,
        timeout: float,
        *,
        interval: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Poll ``GET /api/health`` until it answers ``{"status": "ok"}`` (Metabase answers
        503 while it migrates its application database at start-up)."""
        deadline = time.monotonic() + timeout
        last = "no answer yet"
        while True:
            try:
                answer = self.get("/api/health")
                if isinstance(answer, dict) and answer.get("status") == "ok":
                    return
                last = f"status {answer!r}"
            except MetabaseError as error:
                last = str(error)
            if time.monotonic() >= deadline:
                raise MetabaseError(
                    f"Metabase at {self.url} was not healthy after {timeout:.0f} s: {last}"
                )
            sleep(interval)
