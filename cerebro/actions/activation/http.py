"""HTTP for destination clients: JSON over ``urllib``, retries that wait as the vendor says.

Throttling (429) and server errors (5xx), dropped connections and answers that are not the
vendor's (``not_the_vendors``: an HTML page with 200, something that is not HTTP) are tried
again, waiting what the vendor suggests (``Retry-After`` in seconds or as an HTTP date, or a
vendor-specific hint through ``retry_hint``), else 1, 2, 4 … seconds up to a minute. Other
answers, 2xx and 4xx,
are returned for the client to interpret (a 400 about one member is a refusal, a 401 stops the
sync). The sleep is injectable so that tests never wait. Error messages name the vendor and
the path, never a header (headers carry the credentials).
"""

from __future__ import annotations

import email.utils
import http.client
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass

RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_WAIT_SECONDS = 60.0


class VendorUnavailable(RuntimeError):
    """The vendor kept failing or throttling after every attempt."""


@dataclass(frozen=True)
class VendorResponse:
    status: int
    headers: Mapping[str, str]  # names lower-cased
    body: object  # parsed JSON, or the text when the body is not JSON

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class VendorHttp:
    """A vendor's base URL and fixed headers (credentials, API version)."""

    vendor: str
    base_url: str
    headers: Mapping[str, str]
    sleep: Callable[[float], None] = time.sleep
    max_attempts: int = 5
    timeout: float = 30.0
    #: Seconds to wait before retrying ``response``, from a vendor-specific hint (or None).
    retry_hint: Callable[[VendorResponse], float | None] | None = None
    calls: int = 0  # requests made, retries included (the closing figures count them)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, object] | None = None,
        json_body: object = None,
        form: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> VendorResponse:
        url = self.base_url.rstrip("/") + "/" + path.lstrip("/")
        if params:
            url += "?" + urllib.parse.urlencode(params, doseq=True)
        data, content_type = None, None
        if json_body is not None:
            data, content_type = json.dumps(json_body).encode(), "application/json"
        elif form is not None:
            data = urllib.parse.urlencode(form).encode()
            content_type = "application/x-www-form-urlencoded"
        all_headers = {**self.headers, **(headers or {})}
        if content_type:
            all_headers.setdefault("Content-Type", content_type)
        for attempt in range(1, self.max_attempts + 1):
            response = self._send(method, url, data, all_headers)
            foreign = response is not None and not_the_vendors(response)
            if response is not None and not foreign and response.status not in RETRIED_STATUSES:
                return response
            if attempt == self.max_attempts:
                break
            self.sleep(self._wait(None if foreign else response, attempt))
        if response is None:
            what = "no answer"
        elif foreign:
            kind = response.headers.get("content-type") or "no content type"
            what = (
                f"HTTP {response.status} with {kind} that is not {self.vendor}'s API: a captive "
                "portal, a proxy or a wrong base_url?"
            )
        else:
            what = f"HTTP {response.status}"
        raise VendorUnavailable(
            f"{self.vendor}: {method} {urllib.parse.urlsplit(url).path} failed {self.max_attempts} "
            f"times ({what}); try again later"
        )

    def _send(self, method, url, data, headers) -> VendorResponse | None:
        self.calls += 1
        request = urllib.request.Request(url, data=data, headers=dict(headers), method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                return _response(answer.status, answer.headers, answer.read())
        except urllib.error.HTTPError as error:
            return _response(error.code, error.headers, error.read())
        except (urllib.error.URLError, ConnectionError, TimeoutError, http.client.HTTPException):
            # A dropped connection, or an answer that is not HTTP at all (BadStatusLine, a body
            # cut short): worth another attempt, as no vendor answered.
            return None

    def _wait(self, response: VendorResponse | None, attempt: int) -> float:
        hinted = None
        if response is not None:
            hinted = self.retry_hint(response) if self.retry_hint else None
            if hinted is None:
                hinted = retry_after_seconds(response.headers.get("retry-after"))
        backoff = 2.0 ** (attempt - 1)
        return min(MAX_WAIT_SECONDS, hinted if hinted is not None else backoff)


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` as seconds: a number, or an HTTP date (RFC 9110); None if absent."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def not_the_vendors(response: VendorResponse) -> bool:
    """A success that no vendor API here would send: every one answers JSON, so a 2xx whose
    body is other text (a captive portal's or a proxy's HTML page, JSON cut short) or empty
    where content is due (200, 201) came from something in between. Such an answer is
    treated as no answer: retried, then the vendor reported unavailable, nothing taken as
    done."""
    if not response.ok:
        return False
    if isinstance(response.body, str):
        return True
    return response.body is None and response.status in (200, 201)


def _response(status: int, headers, raw: bytes) -> VendorResponse:
    text = raw.decode("utf-8", errors="replace")
    try:
        body: object = json.loads(text) if text.strip() else None
    except json.JSONDecodeError:
        body = text
    return VendorResponse(status, {k.lower(): v for k, v in headers.items()}, body)
