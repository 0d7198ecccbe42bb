"""Destination HTTP: retries wait as the vendor says (Retry-After seconds or date, a vendor
hint), 4xx are returned, exhausted retries are one line without headers — against a local
server that answers a scripted sequence."""

from __future__ import annotations

import http.server
import json
import threading
from typing import ClassVar

import pytest

from cerebro.activation.http import VendorHttp, VendorUnavailable, retry_after_seconds


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
