"""The base of Cerebro's REST streams: retries on the tap's clock and errors without secrets.

singer-sdk's own retry decorator sleeps with ``time.sleep`` and waits by
exponential backoff only. Vendors say how long to wait (a usage header, a
``retryDelay``), and tests must not wait at all, so ``request_decorator`` is
replaced (a documented extension point) by a loop that asks the stream how
long to wait and waits on the tap's ``Clock``.
"""

from __future__ import annotations

import decimal
import functools
import socket
import typing as t
from urllib.parse import urlparse

import requests
from singer_sdk import RESTStream
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from urllib3.exceptions import NameResolutionError

from cerebro_tap_kit.clock import Clock, SystemClock

SYSTEM_CLOCK = SystemClock()
# Failures worth another attempt: the server said so, or the network dropped.
RETRIABLE_ERRORS = (
    RetriableAPIError,
    ConnectionResetError,
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


#: Failures where no server answered (the network, a firewall, a host that is down): retried
#: while the whole wait stays under ``ResilientStream.max_unanswered_seconds``.
UNANSWERED_ERRORS = (
    ConnectionResetError,
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
)


#: The resolver's definitive "no such name" answers (a temporary failure, EAI_AGAIN, is not one).
_NO_SUCH_NAME = {socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)}


def unknown_host(error: BaseException) -> str | None:
    """The host name when ``error`` says it does not exist: a retry cannot help, the setting
    naming it is wrong. requests wraps urllib3's error in its own (``args[0]``, then
    ``reason``), hence the walk."""
    pending: list[object] = [error]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, NameResolutionError):
            # urllib3 keeps the host and the resolver's error it was built with.
            if getattr(getattr(current, "_reason", None), "errno", None) in _NO_SUCH_NAME:
                return getattr(current, "_host", None) or "the vendor's host"
            continue
        pending += [getattr(current, "reason", None), current.__cause__, *current.args]
    return None


def unknown_host_error(stream_name: str, error: BaseException) -> FatalAPIError | None:
    """The one-line failure for a host that does not exist (``unknown_host``), or None."""
    host = unknown_host(error)
    if host is None:
        return None
    return FatalAPIError(
        f"{stream_name}: the host {host} does not exist (DNS): check the setting that names it "
        "(the shop, the account, base_url) and that this machine resolves internet names"
    )


def json_body(response: requests.Response) -> t.Any:
    """The answer's parsed JSON, or None when its body is not JSON (an error page)."""
    try:
        return response.json()
    except ValueError:
        return None


class RetryAfter(RetriableAPIError):
    """A throttling answer: retry once the wait the API suggests has passed."""

    def __init__(
        self, message: str, response: requests.Response | None = None, *, wait_seconds: float
    ) -> None:
        super().__init__(message, response)
        self.wait_seconds = wait_seconds


class ResilientStream(RESTStream):
    """A REST stream that retries on the tap's clock and never puts a secret in a message.

    Subclasses classify responses in ``validate_response``: raise ``RetryAfter``
    when the API says how long to wait, ``RetriableAPIError`` for transient
    failures (exponential backoff), ``FatalAPIError`` for everything a retry
    cannot fix, with a message that says what to do.
    """

    max_attempts: t.ClassVar[int] = 8
    backoff_base_seconds: t.ClassVar[float] = 2.0
    backoff_max_seconds: t.ClassVar[float] = 300.0
    # A vendor may ask for long pauses; never block a run longer than this per attempt.
    max_wait_seconds: t.ClassVar[float] = 3600.0
    # When no server answers at all, a run learns it within a minute rather than after eight
    # attempts and four minutes of backoff (a vendor's own 5xx and 429 keep max_attempts).
    max_unanswered_seconds: t.ClassVar[float] = 30.0

    @property
    def clock(self) -> Clock:
        """The tap's clock (``tap.clock``), the system clock by default."""
        return getattr(self._tap, "clock", SYSTEM_CLOCK)

    def redact(self, text: str) -> str:
        """``text`` with the value of every secret setting replaced by ``[secret]``."""
        properties = self._tap.config_jsonschema.get("properties", {})
        for name, spec in properties.items():
            value = self.config.get(name)
            if spec.get("secret") and value:
                text = text.replace(str(value), "[secret]")
        return text

    def retry_wait(self, error: Exception, attempt: int) -> float:
        """Seconds to wait before attempt ``attempt + 1``: the API's word, else backoff."""
        if isinstance(error, RetryAfter):
            wait = error.wait_seconds
        else:
            wait = min(self.backoff_base_seconds * 2 ** (attempt - 1), self.backoff_max_seconds)
        return max(0.0, min(wait, self.max_wait_seconds))

    def request_decorator(self, func: t.Callable) -> t.Callable:
        """Retry ``func`` on transient failures, waiting on the tap's clock."""

        @functools.wraps(func)
        def with_retries(*args: t.Any, **kwargs: t.Any) -> t.Any:
            attempt = 1
            unanswered_wait = 0.0
            while True:
                try:
                    return func(*args, **kwargs)
                except RETRIABLE_ERRORS as error:
                    reason = self.redact(str(error))
                    dns_failure = unknown_host_error(self.name, error)
                    if dns_failure is not None:
                        raise dns_failure from error
                    if attempt >= self.max_attempts:
                        raise FatalAPIError(
                            f"{self.name}: gave up after {attempt} attempts; last error: {reason}"
                        ) from error
                    wait = self.retry_wait(error, attempt)
                    if isinstance(error, UNANSWERED_ERRORS):
                        if unanswered_wait + wait > self.max_unanswered_seconds:
                            raise FatalAPIError(
                                f"{self.name}: no answer from the vendor after {attempt} "
                                f"attempts over {unanswered_wait:.0f} s: check this machine's "
                                f"network and proxy; last error: {reason}"
                            ) from error
                        unanswered_wait += wait
                    attempt += 1
                    self.logger.warning(
                        "%s: %s; retrying in %.1f s (attempt %d of %d)",
                        self.name, reason, wait, attempt, self.max_attempts,
                    )  # fmt: skip
                    self.clock.sleep(wait)

        return with_retries

    def response_error_message(self, response: requests.Response) -> str:
        """Status, path (never the query string) and the start of the body, redacted."""
        path = urlparse(response.url).path
        body = response.text[:500] if response.content else ""
        return self.redact(f"HTTP {response.status_code} {response.reason} for {path}: {body}")

    def send_json(
        self,
        method: str,
        url: str,
        *,
        params: dict | None = None,
        body: t.Any = None,
        headers: dict | None = None,
    ) -> t.Any:
        """One request outside the stream's pages (account settings, an asynchronous report's
        steps), with the same retries; ``headers`` are added to the stream's."""
        request = requests.Request(
            method, url, params=params, json=body, headers={**self.http_headers, **(headers or {})}
        )
        prepared = self.requests_session.prepare_request(request)
        response = self.request_decorator(self._send_and_validate)(prepared)
        return response.json(parse_float=decimal.Decimal)

    def _send_and_validate(self, prepared: requests.PreparedRequest) -> requests.Response:
        response = self.requests_session.send(self.authenticator(prepared), timeout=self.timeout)
        self.validate_response(response)
        return response
