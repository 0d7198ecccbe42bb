"""The WhatsApp webhook receiver: verifies what Meta posts and spools it for the tap.

Meta's webhooks, as documented (https://developers.facebook.com/docs/graph-api/webhooks/
getting-started and the WhatsApp ``messages`` webhook reference,
https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/
messages/status/):

- Subscribing the callback URL sends ``GET ?hub.mode=subscribe&hub.challenge=<n>&
  hub.verify_token=<the token typed in the app dashboard>``: answer 200 with the challenge
  alone when the token is the tenant's, else 403.
- Every notification is a ``POST`` of JSON whose ``X-Hub-Signature-256`` header is
  ``sha256=`` and the hex HMAC-SHA256 of the raw body keyed with the app secret. A body whose
  signature is missing or wrong is refused (403) and nothing is kept. A notification not
  answered 200 is delivered again later, so a verified one is answered 200 only once it is
  safely spooled (``spool.append``), and a repeated one is answered 200 without spooling it
  twice.

One receiver serves several tenants, each at ``/whatsapp/<tenant_id>`` with its own app
secret, verify token and spool directory (``<spool_root>/<tenant_id>``). The standard library's
HTTP server is enough for Meta's volume of status notifications; put it behind the HTTPS proxy
Meta requires (it calls only https:// URLs with a valid certificate).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import hmac
import http.server
import os
import sys
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from tap_cerebro_whatsapp import spool

SIGNATURE_HEADER = "X-Hub-Signature-256"
#: Meta's status notifications are a few kilobytes; anything far larger is not one.
MAX_BODY_BYTES = 1_000_000


@dataclass(frozen=True)
class Hook:
    """One tenant's webhook: the app's secret, the verify token and where payloads go."""

    app_secret: str
    verify_token: str
    spool_dir: Path


def signature(body: bytes, app_secret: str) -> str:
    """The ``X-Hub-Signature-256`` value Meta sends with ``body``."""
    return "sha256=" + hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


@dataclass
class Receiver:
    """Answers Meta's requests for the tenants in ``hooks`` (tenant id -> Hook)."""

    hooks: Mapping[str, Hook]
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)

    def handle(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, str]:
        """The status and text answered to one request."""
        parts = urllib.parse.urlsplit(target)
        segments = [s for s in parts.path.split("/") if s]
        hook = self.hooks.get(segments[1]) if len(segments) == 2 else None
        if segments[:1] != ["whatsapp"] or hook is None:
            return 404, "unknown webhook"
        if method == "GET":
            query = urllib.parse.parse_qs(parts.query)
            mode = (query.get("hub.mode") or [""])[0]
            token = (query.get("hub.verify_token") or [""])[0]
            challenge = (query.get("hub.challenge") or [""])[0]
            if mode == "subscribe" and challenge and _same(token, hook.verify_token):
                return 200, challenge
            return 403, "verification refused"
        if method != "POST":
            return 405, "GET or POST only"
        if len(body) > MAX_BODY_BYTES:
            return 413, "body too large"
        given = {k.lower(): v for k, v in headers.items()}.get(SIGNATURE_HEADER.lower(), "")
        if not _same(given, signature(body, hook.app_secret)):
            return 403, "signature refused"
        spool.append(hook.spool_dir, body, self.clock())
        return 200, "ok"


def _same(given: str, expected: str) -> bool:
    # Constant time: a timing difference must not reveal how much of a signature was right.
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _content_length(header: str | None) -> int | None:
    """The body's length in bytes, ``None`` when the header is not a whole number (a broken
    client; reading on would block on a body that never comes or log a traceback)."""
    if header is None or header == "":
        return 0
    return int(header) if header.isdigit() else None


def server(receiver: Receiver, host: str, port: int) -> http.server.ThreadingHTTPServer:
    """An HTTP server answering with ``receiver`` (call ``serve_forever``)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self, method: str) -> None:
            length = _content_length(self.headers.get("Content-Length"))
            if length is None:
                status, text = 400, "Content-Length must be a whole number of bytes"
            elif length > MAX_BODY_BYTES:
                status, text = 413, "body too large"
            else:
                body = self.rfile.read(length) if length else b""
                status, text = receiver.handle(method, self.path, dict(self.headers), body)
            payload = text.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:
            self._answer("GET")

        def do_POST(self) -> None:
            self._answer("POST")

        def log_message(self, format: str, *args) -> None:
            # One line per request, without the query (the verify token travels in it).
            sys.stderr.write(f"{self.command} {self.path.split('?')[0]} {args[1:2]}\n")

    return http.server.ThreadingHTTPServer((host, port), Handler)


def hooks_from_arguments(
    specs: list[str], spool_root: Path, environ: Mapping[str, str]
) -> dict[str, Hook]:
    """``TENANT:APP_SECRET_VARIABLE:VERIFY_TOKEN_VARIABLE`` triples -> hooks; the secrets are
    read from the environment variables named, never from the command line."""
    hooks: dict[str, Hook] = {}
    for spec in specs:
        parts = spec.split(":")
        if len(parts) != 3 or not all(parts):
            raise SystemExit(
                f"--tenant {spec!r}: write TENANT:APP_SECRET_VARIABLE:VERIFY_TOKEN_VARIABLE"
            )
        tenant, secret_variable, token_variable = parts
        missing = [v for v in (secret_variable, token_variable) if not environ.get(v)]
        if missing:
            raise SystemExit(f"--tenant {tenant}: environment variable {missing[0]} is not set")
        hooks[tenant] = Hook(environ[secret_variable], environ[token_variable], spool_root / tenant)
    return hooks


def main(argv: list[str] | None = None) -> None:
    """``cerebro-whatsapp-receiver --spool-root DIR --tenant cl:SECRET_VAR:TOKEN_VAR …``"""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spool-root", type=Path, required=True,
                        help="Directory holding one spool directory per tenant (the tap's "
                        "spool_dir is <spool-root>/<tenant>).")  # fmt: skip
    parser.add_argument("--tenant", action="append", required=True,
                        help="TENANT:APP_SECRET_VARIABLE:VERIFY_TOKEN_VARIABLE (repeat per "
                        "tenant); served at /whatsapp/TENANT.")  # fmt: skip
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8787)
    arguments = parser.parse_args(argv)
    hooks = hooks_from_arguments(arguments.tenant, arguments.spool_root, os.environ)
    for hook in hooks.values():
        hook.spool_dir.mkdir(parents=True, exist_ok=True)
        spool.recover(hook.spool_dir)
    server(Receiver(hooks), arguments.host, arguments.port).serve_forever()


if __name__ == "__main__":
    main()
