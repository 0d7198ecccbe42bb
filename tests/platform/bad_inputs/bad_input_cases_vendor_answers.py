"""Answers that are not the vendor's (issue 56): `cerebro activate` on the session's demo
warehouse with the destination's address at a local server that answers as a captive portal,
a proxy or a wrong host would (an HTML page with 200, a redirect to a login page, JSON cut
short, an empty 200, JSON of another service, a banner that is not HTTP, a body cut short).
Each is no answer: retried within the client's bounds, then the sync ends with one line and
nothing is taken as sent. Also `cerebro customer` for a contact who never ordered.

The tenants file is the demo's with the destination's ``base_url`` replaced by the server's
address (written by the case's setup, which knows the port); the secret is a dummy.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cerebro.actions.activation import http as vendor_http
from tests.platform.bad_inputs.bad_input_catalogue import Case
from tests.support.demo_platform import DEMO_TENANTS_YAML

ENV = {
    "CEREBRO_DATA_DIR": "{data_dir}",
    "CEREBRO_TENANTS_FILE": "{dir}/tenants.yml",
    "CEREBRO_TEST_KLAVIYO_KEY": "pk_dummy",
    "CEREBRO_TEST_WHATSAPP_TOKEN": "dummy",
}
DEMO_URLS = {"klaviyo": "https://klaviyo.invalid", "whatsapp": "https://whatsapp.invalid"}
PORTAL = b"<!DOCTYPE html><html><head><title>WiFi Aeropuerto</title></head><body>" + (
    b"<form action='/login'>Acepte los terminos para navegar</form></body></html>"
)


def _answer(status: int, body: bytes, content_type: str, *, length: int | None = None):
    """A handler answering every request the same way (``length``: the Content-Length
    announced, when it is not the body's)."""

    class Answer(BaseHTTPRequestHandler):
        def _reply(self) -> None:
            if self.path.startswith("/login"):
                status_, body_, type_ = 200, PORTAL, "text/html; charset=utf-8"
            else:
                status_, body_, type_ = status, body, content_type
            self.send_response(status_)
            if status_ in (301, 302):
                self.send_header("Location", "/login?next=" + self.path)
            self.send_header("Content-Type", type_)
            self.send_header("Content-Length", str(len(body_) if length is None else length))
            self.end_headers()
            self.wfile.write(body_)

        do_GET = do_POST = do_DELETE = _reply

        def log_message(self, *args: object) -> None:
            pass

    return Answer


def _serving(handler) -> tuple[str, Callable[[], None]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop() -> None:
        server.shutdown()
        server.server_close()

    return f"http://127.0.0.1:{server.server_port}", stop


def _not_http() -> tuple[str, Callable[[], None]]:
    """A port answering every connection with an SSH banner, as a service moved to the
    vendor's address would: not HTTP at all."""
    listener = socket.create_server(("127.0.0.1", 0))
    stopped = threading.Event()

    def serve() -> None:
        while not stopped.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection:
                connection.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")

    threading.Thread(target=serve, daemon=True).start()

    def stop() -> None:
        stopped.set()
        listener.close()

    return f"http://127.0.0.1:{listener.getsockname()[1]}", stop


#: The client's longest wait between two attempts, during these cases: the attempts and the
#: message are the product's, only the waiting (1 + 2 + 4 + 8 s per call) is left out.
CASE_MAX_WAIT_SECONDS = 0.01


def _destination_at(destination: str, start: Callable[[], tuple[str, Callable[[], None]]]):
    """A setup: the server up, the demo's tenants file with ``destination`` at it, and the
    client's waits between attempts cut short (the cases run in this process)."""

    def setup(folder: Path) -> Callable[[], None]:
        url, stop = start()
        text = DEMO_TENANTS_YAML.replace(DEMO_URLS[destination], url)
        (folder / "tenants.yml").write_text(text, encoding="utf-8")
        max_wait = vendor_http.MAX_WAIT_SECONDS
        vendor_http.MAX_WAIT_SECONDS = CASE_MAX_WAIT_SECONDS

        def undo() -> None:
            vendor_http.MAX_WAIT_SECONDS = max_wait
            stop()

        return undo

    return setup


def _answering(status: int, body: bytes, content_type: str, **more):
    return lambda: _serving(_answer(status, body, content_type, **more))


def _nothing_sent(folder: Path, output: str) -> None:
    """The sync's own count of what it logged: every answer failed, none sent."""
    assert "sent: 0 · refused: 0 · failed: " in output and "failed: 0 ·" not in output, output


KLAVIYO = ("activate", "--tenant", "test_cl", "--segment", "Frecuentes alejados",
           "--destination", "klaviyo")  # fmt: skip
WHATSAPP = ("activate", "--tenant", "test_cl", "--segment", "ALTO RIESGO - VIP",
            "--destination", "whatsapp")  # fmt: skip
#: The sync's line when answers failed (what to do: run it again later, it sends only those).
FAILED = r"\d+ of the answers failed .*run the sync again later"


def _klaviyo(name: str, start) -> Case:
    return Case(
        f"activate: Klaviyo's address answers {name}",
        "error",
        KLAVIYO,
        message=FAILED,
        env=ENV,
        setup=_destination_at("klaviyo", start),
        check=_nothing_sent,
        warehouse=True,
    )


CASES = [
    _klaviyo(
        "a captive portal's HTML page with 200",
        _answering(200, PORTAL, "text/html; charset=utf-8"),
    ),
    _klaviyo(
        "a redirect to a captive portal's login page",
        _answering(302, b"", "text/html"),
    ),
    _klaviyo(
        "JSON cut short",
        _answering(200, b'{"data": [{"type": "list", "id": "Xa4', "application/vnd.api+json"),
    ),
    _klaviyo("an empty 200", _answering(200, b"", "application/json")),
    _klaviyo(
        "another service's JSON (a proxy's status)",
        _answering(
            200, json.dumps({"status": "ok", "proxy": "squid"}).encode(), "application/json"
        ),
    ),
    _klaviyo(
        "a body shorter than it announced",
        _answering(200, b'{"data": [', "application/vnd.api+json", length=4096),
    ),
    _klaviyo("an SSH banner, not HTTP", _not_http),
    Case(
        "activate: WhatsApp's address answers a captive portal's page with 200",
        "error",
        WHATSAPP,
        message=r"WhatsApp failed for 3 customers in a row \(last: WhatsApp: POST \S+ failed 5 "
        r"times \(HTTP 200 with text/html; charset=utf-8 that is not WhatsApp's API: a captive "
        r"portal, a proxy or a wrong base_url\?\); try again later\)",
        env=ENV,
        setup=_destination_at("whatsapp", _answering(200, PORTAL, "text/html; charset=utf-8")),
        warehouse=True,
    ),
    Case(
        "activate: WhatsApp's address answers another service's JSON with 200",
        "error",
        WHATSAPP,
        message=r"WhatsApp failed for 3 customers in a row \(last: answered without 'messages': "
        r"not WhatsApp's answer",
        env=ENV,
        setup=_destination_at("whatsapp", _answering(200, b'{"status": "ok"}', "application/json")),
        warehouse=True,
    ),
]

CUSTOMER = {"CEREBRO_DATA_DIR": "{data_dir}", "CEREBRO_TENANTS_FILE": "{tenants_file}"}
# The demo (seed 11) writes contacts 6100010000001 onwards; 6100010000004 never orders.
NEVER_ORDERED = "matias.rojas.3@example.cl"
NO_PAGE_YET = (
    r"is a contact of test_cl{} with no orders before the customer-value model's cut-off, so "
    r"no prediction or page yet; it appears after its first order and the next `cerebro run`$"
)

CASES += [
    Case(
        "customer: the e-mail of a contact who never ordered",
        "error",
        ("customer", "--tenant", "test_cl", NEVER_ORDERED),
        message=rf"'{NEVER_ORDERED}' " + NO_PAGE_YET.format(r" \(customer 6100010000004\)"),
        env=CUSTOMER,
        warehouse=True,
    ),
    Case(
        "customer: the id of a contact who never ordered",
        "error",
        ("customer", "--tenant", "test_cl", "6100010000004"),
        message=r"'6100010000004' " + NO_PAGE_YET.format(""),
        env=CUSTOMER,
        warehouse=True,
    ),
    Case(
        "customer: an e-mail nobody has",
        "error",
        ("customer", "--tenant", "test_cl", "nadie@example.cl"),
        message=r"no customer of test_cl with a prediction has the id or e-mail "
        r"'nadie@example.cl'",
        env=CUSTOMER,
        warehouse=True,
    ),
    Case(
        "customer: an e-mail typed in capitals finds the customer",
        "handled",
        ("customer", "--tenant", "test_cl", "JOAQUIN.ROJAS.0@EXAMPLE.CL", "--format", "json"),
        message=r'"customer_id": "6100010000001"',
        env=CUSTOMER,
        warehouse=True,
    ),
]
