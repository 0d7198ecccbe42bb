"""Destination HTTP: retries wait as the vendor says (Retry-After seconds or date, a vendor
hint), 4xx are returned, exhausted retries are one line without headers — against a local
server that answers a scripted sequence."""

from __future__ import annotations

import http.server
import json
import socket
import threading
from typing import ClassVar

import pytest

from cerebro.actions.activation.http import VendorHttp, VendorUnavailable, retry_after_seconds


class Scripted(http.server.BaseHTTPRequestHandler):
    answers: ClassVar[list] = []
    seen: ClassVar[list] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"] or 0))
        type(self).seen.append((self.path, self.headers.get("Authorization"), json.loads(body)))
        status, headers, payload = type(self).answers.pop(0)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(json.dumps(payload).encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Scripted)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    Scripted.seen = []
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


def test_waits_as_the_vendor_says_then_returns_the_answer(server):
    Scripted.answers = [(429, {"Retry-After": "7"}, {}), (503, {}, {}), (200, {}, {"ok": 1})]
    waits = []
    client = VendorHttp("Fake", server, {"Authorization": "Bearer s3cret"}, sleep=waits.append)
    response = client.request("POST", "/lists", json_body={"a": 1})
    assert response.ok and response.body == {"ok": 1}
    assert waits == [7.0, 2.0]  # the hint, then the backoff of the second attempt
    assert client.calls == 3 and Scripted.seen[0] == ("/lists", "Bearer s3cret", {"a": 1})


def test_a_client_error_is_returned_not_retried(server):
    Scripted.answers = [(400, {}, {"error": "bad phone"})]
    response = VendorHttp("Fake", server, {}, sleep=lambda s: None).request(
        "POST", "/x", json_body={}
    )
    assert response.status == 400 and response.body == {"error": "bad phone"}


def test_exhausted_retries_are_one_line_without_credentials(server):
    Scripted.answers = [(500, {}, {})] * 3
    client = VendorHttp("Fake", server, {"Authorization": "Bearer s3cret"}, sleep=lambda s: None,
                        max_attempts=3)  # fmt: skip
    with pytest.raises(VendorUnavailable) as error:
        client.request("POST", "/x", json_body={})
    assert str(error.value) == "Fake: POST /x failed 3 times (HTTP 500); try again later"


def test_retry_after_as_seconds_or_http_date():
    assert retry_after_seconds("12") == 12.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


class Foreign(http.server.BaseHTTPRequestHandler):
    """Answers as something between Cerebro and the vendor would: ``answer`` is (status,
    content type, body)."""

    answer: ClassVar[tuple[int, str, bytes]] = (200, "text/html", b"<html>portal</html>")
    requests: ClassVar[int] = 0

    def do_GET(self):
        type(self).requests += 1
        status, content_type, body = type(self).answer
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def foreign():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Foreign)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    Foreign.requests = 0
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


@pytest.mark.parametrize(
    "answer",
    [
        (200, "text/html; charset=utf-8", b"<!DOCTYPE html><html>Acepte los terminos</html>"),
        (200, "application/json", b'{"data": [{"id": "Xa'),
        (200, "application/json", b""),
    ],
    ids=["captive portal page", "JSON cut short", "empty 200"],
)
def test_a_success_that_is_not_the_vendors_is_retried_then_unavailable(foreign, answer):
    Foreign.answer = answer
    waits = []
    client = VendorHttp("Fake", foreign, {}, sleep=waits.append, max_attempts=3)
    with pytest.raises(VendorUnavailable) as error:
        client.request("GET", "/lists")
    assert Foreign.requests == 3 and waits == [1.0, 2.0]
    assert str(error.value) == (
        f"Fake: GET /lists failed 3 times (HTTP 200 with {answer[1]} that is not Fake's API: a "
        "captive portal, a proxy or a wrong base_url?); try again later"
    )


def test_no_content_and_vendor_json_are_the_vendors(foreign):
    client = VendorHttp("Fake", foreign, {}, sleep=lambda s: None)
    Foreign.answer = (204, "application/json", b"")
    assert client.request("GET", "/x").status == 204
    Foreign.answer = (200, "text/plain", b'{"data": []}')  # JSON under another content type
    assert client.request("GET", "/x").body == {"data": []}
    assert Foreign.requests == 2


def test_an_answer_that_is_not_http_is_no_answer():
    listener = socket.create_server(("127.0.0.1", 0))

    def banner():
        for _ in range(2):
            connection, _ = listener.accept()
            with connection:
                connection.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")

    threading.Thread(target=banner, daemon=True).start()
    client = VendorHttp("Fake", f"http://127.0.0.1:{listener.getsockname()[1]}", {},
                        sleep=lambda s: None, max_attempts=2)  # fmt: skip
    with pytest.raises(VendorUnavailable, match=r"failed 2 times \(no answer\)"):
        client.request("GET", "/lists")
    listener.close()
