"""The WhatsApp status path against Meta's side as the fake builds it
(tests/cerebro/actions/activation/whatsapp/fake_whatsapp.py: messages the fake Cloud API
accepted, status notifications shaped and signed as Meta's webhook documentation says).

Oracles: the messages the destination sent (their ``wamid``s are the activation log's
``vendor_ref``), Meta's documented webhook rules (the verification handshake; a body is Meta's
only with the HMAC-SHA256 of its raw bytes under the app secret), the landed table after
``target-cerebro-duckdb``'s upsert (a replay or a resumed sync never doubles a status) and the
spool's quarantine (a payload that is not one is kept with its reason)."""

from __future__ import annotations

import datetime as dt
import json
import socket
import subprocess
import threading
import urllib.error
import urllib.request

import duckdb
import pytest
from cerebro_raw_contract import STREAMS_BY_SOURCE, raw_stream
from tap_cerebro_whatsapp import spool
from tap_cerebro_whatsapp.receiver import Hook, Receiver, server
from tap_cerebro_whatsapp.tap import TapCerebroWhatsApp

from cerebro.actions.activation.destination import SENT
from cerebro.actions.activation.destinations import whatsapp
from cerebro.actions.activation.identifiers import sha256_hex
from cerebro.settings import console_script
from tests.cerebro.actions.activation.whatsapp.fake_whatsapp import (
    FakeWhatsApp,
    MetaWebhooks,
    SentMessage,
)
from tests.cerebro.actions.activation.whatsapp.whatsapp_members import (
    AUDIENCE,
    PHONE_NUMBER_ID,
    TOKEN,
    member,
)

TENANT = "casafacil_cl"
SECRET, VERIFY = "app-secret-casafacil", "verify-casafacil"
T0 = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
NOW = T0 + dt.timedelta(hours=1)


class Ticking:
    """The receiver's clock: one second later at each payload, so the spool's order is the
    order of delivery."""

    def __init__(self) -> None:
        self.instant = T0

    def __call__(self) -> dt.datetime:
        self.instant += dt.timedelta(seconds=1)
        return self.instant


@pytest.fixture
def meta() -> MetaWebhooks:
    return MetaWebhooks(app_secret=SECRET, verify_token=VERIFY)


@pytest.fixture
def receiver(tmp_path) -> Receiver:
    hooks = {
        TENANT: Hook(SECRET, VERIFY, tmp_path / "spool" / TENANT),
        "otro_cl": Hook("other-secret", "other-token", tmp_path / "spool" / "otro_cl"),
    }
    return Receiver(hooks, clock=Ticking())  # fmt: skip


def post(receiver: Receiver, meta: MetaWebhooks, body: bytes, headers=None) -> int:
    headers = meta.signed(body) if headers is None else headers
    return receiver.handle("POST", f"/whatsapp/{TENANT}", headers, body)[0]


def message(number: int, to: str = "56912345678") -> SentMessage:
    return SentMessage(f"wamid.FAKE{number:012d}", to, "rescate_cliente", "es", [], 0.0)


def config(tmp_path) -> dict:
    return {"tenant_id": TENANT, "spool_dir": str(tmp_path / "spool" / TENANT)}


def sync(run_in_process, fake_clock_at, tmp_path, state=None):
    return run_in_process(
        TapCerebroWhatsApp, config(tmp_path), clock=fake_clock_at(NOW.isoformat()), state=state
    )


def land(messages: list[dict], path) -> list[tuple]:
    """The messages through target-cerebro-duckdb (upsert by the contract's key); the landed
    statuses."""
    config_file = path.parent / "target.json"
    config_file.write_text(json.dumps({"path": str(path), "default_target_schema": "raw_whatsapp"}))
    lines = "".join(json.dumps(m, default=str) + "\n" for m in messages)
    done = subprocess.run([console_script("target-cerebro-duckdb"), "--config", str(config_file)],
                          input=lines, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.execute(
            "select message_id, status, status_at from raw_whatsapp.message_statuses order by 1, 2"
        ).fetchall()


def test_the_verification_handshake_answers_the_challenge_only_to_the_tenants_token(receiver, meta):
    assert receiver.handle("GET", f"/whatsapp/{TENANT}?{meta.verification('42')}", {}, b"") == (
        200, "42",
    )  # fmt: skip
    wrong = meta.verification("42", token="not-it")
    assert receiver.handle("GET", f"/whatsapp/{TENANT}?{wrong}", {}, b"")[0] == 403
    # Another tenant's token does not open this tenant's webhook.
    other = meta.verification("42", token="other-token")
    assert receiver.handle("GET", f"/whatsapp/{TENANT}?{other}", {}, b"")[0] == 403
    assert receiver.handle("GET", f"/whatsapp/nadie?{meta.verification()}", {}, b"")[0] == 404


def test_a_body_signed_as_meta_signs_is_spooled_and_a_wrong_signature_is_refused(
    receiver, meta, tmp_path
):
    body = meta.notification(meta.status(message(1), "delivered", 1_763_640_000))
    directory = tmp_path / "spool" / TENANT
    assert post(receiver, meta, body, {}) == 403  # no signature
    tampered = body.replace(b"delivered", b"read")
    assert post(receiver, meta, tampered, meta.signed(body)) == 403
    other_app = MetaWebhooks(app_secret="other-secret", verify_token=VERIFY)
    assert post(receiver, meta, body, other_app.signed(body)) == 403
    assert spool.pending(directory, None, "9") == []
    assert post(receiver, meta, body) == 200
    (spooled,) = spool.pending(directory, None, "9")
    assert spooled.read_bytes() == body  # byte for byte as Meta sent it


def test_statuses_of_the_messages_the_destination_sent_land_with_their_wamid_and_no_number(
    tmp_path, meta, httpserver, run_in_process, fake_clock_at
):
    """Sent through the real destination, notified over HTTP to the real server, read by the
    tap: each status carries the message id the activation log keeps as ``vendor_ref``."""
    api = FakeWhatsApp(token=TOKEN, phone_number_id=PHONE_NUMBER_ID, not_on_whatsapp=set())
    api.install(httpserver)
    destination = whatsapp.from_config(
        {"base_url": httpserver.url_for("/"), "api_version": "v23.0",
         "phone_number_id": PHONE_NUMBER_ID, "template_name": "rescate_cliente",
         "parameters": ["first_name", "discount_code"]},
        {"access_token": TOKEN}, sleep=lambda s: None,
    )  # fmt: skip
    members = [member("1", "+56 9 1234 5678"), member("2", "+56 9 8765 4321")]
    outcomes = list(destination.sync(AUDIENCE, members, []))
    assert [o.status for o in outcomes] == [SENT, SENT]
    first, second = api.sent
    at = int(T0.timestamp())
    notifications = [
        meta.notification(meta.status(first, "sent", at), meta.status(second, "sent", at)),
        meta.notification(meta.status(first, "read", at + 60)),  # read before delivered
        meta.notification(meta.status(first, "delivered", at + 30)),
        meta.notification(meta.status(second, "failed", at + 90, code=131049)),
    ]
    hooks = {TENANT: Hook(SECRET, VERIFY, tmp_path / "spool" / TENANT)}
    http = server(Receiver(hooks, clock=Ticking()), "127.0.0.1", 0)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{http.server_address[1]}/whatsapp/{TENANT}"
        for body in notifications:
            request = urllib.request.Request(url, data=body, headers=meta.signed(body))
            with urllib.request.urlopen(request, timeout=10) as answer:
                assert answer.status == 200
        forged = urllib.request.Request(url, data=notifications[0],
                                        headers=meta.signed(b"something else"))  # fmt: skip
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(forged, timeout=10)
        assert refused.value.code == 403
    finally:
        http.shutdown()
        http.server_close()

    run = sync(run_in_process, fake_clock_at, tmp_path)
    assert run.error is None
    records = run.records("message_statuses")
    assert {r["message_id"] for r in records} == {o.vendor_ref for o in outcomes}
    assert sorted((r["message_id"], r["status"]) for r in records) == sorted([
        (first.id, "sent"), (second.id, "sent"), (first.id, "read"), (first.id, "delivered"),
        (second.id, "failed"),
    ])  # fmt: skip
    failed = next(r for r in records if r["status"] == "failed")
    assert (failed["error_code"], failed["error_title"]) == (
        131049, "This message was not delivered to maintain healthy ecosystem engagement",
    )  # fmt: skip
    assert failed["recipient_phone_sha256"] == sha256_hex("+56987654321")
    assert all(r["tenant_id"] == TENANT and r["phone_number_id"] == PHONE_NUMBER_ID
               for r in records)  # fmt: skip
    assert "56987654321" not in str(run.messages).replace(failed["recipient_phone_sha256"], "")


def test_a_request_whose_content_length_is_not_a_number_is_refused_and_spools_nothing(
    tmp_path,
):
    spool_dir = tmp_path / "spool" / TENANT
    http = server(Receiver({TENANT: Hook(SECRET, VERIFY, spool_dir)}), "127.0.0.1", 0)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        answers = []
        for length in ("abc", "-5", "1.5"):
            with socket.create_connection(http.server_address, timeout=10) as connection:
                connection.sendall(
                    f"POST /whatsapp/{TENANT} HTTP/1.1\r\nHost: x\r\n"
                    f"Content-Length: {length}\r\nConnection: close\r\n\r\n{{}}".encode()
                )
                answers.append(connection.makefile("rb").readline().split()[1])
    finally:
        http.shutdown()
        http.server_close()
    assert answers == [b"400", b"400", b"400"]
    assert not spool_dir.exists() or not any(spool_dir.iterdir())


def test_a_replayed_payload_is_spooled_once_and_a_status_repeated_lands_once(
    receiver, meta, tmp_path, run_in_process, fake_clock_at
):
    status = meta.status(message(1), "delivered", 1_763_640_000)
    body = meta.notification(status)
    assert post(receiver, meta, body) == 200
    assert post(receiver, meta, body) == 200  # Meta delivers again: answered, not spooled
    # The same status inside another notification (bundled with a new one) is other bytes.
    assert (
        post(receiver, meta, meta.notification(status, meta.status(message(2), "sent", 1))) == 200
    )
    directory = tmp_path / "spool" / TENANT
    assert len(spool.pending(directory, None, "9")) == 2
    run = sync(run_in_process, fake_clock_at, tmp_path)
    assert len(run.records("message_statuses")) == 3
    landed = land(run.messages, tmp_path / "w.duckdb")
    assert [(m, s) for m, s, _ in landed] == [
        ("wamid.FAKE000000000001", "delivered"), ("wamid.FAKE000000000002", "sent"),
    ]  # fmt: skip


def test_a_sync_cut_short_resumes_from_its_state_with_nothing_lost_or_doubled(
    receiver, meta, tmp_path, run_in_process, fake_clock_at
):
    """120 notifications of 3 statuses each; the tap's output is cut after its first STATE (a
    tap killed there: the target committed up to it), then the next sync starts from it."""
    for number in range(120):
        sent = message(number)
        at = 1_763_640_000 + number
        post(receiver, meta, meta.notification(meta.status(sent, "sent", at),
                                               meta.status(sent, "delivered", at + 5),
                                               meta.status(sent, "read", at + 9)))  # fmt: skip
    full = sync(run_in_process, fake_clock_at, tmp_path)
    every = {(r["message_id"], r["status"]) for r in full.records("message_statuses")}
    assert len(every) == 360
    first_state = next(i for i, m in enumerate(full.messages) if m["type"] == "STATE"
                       and m["value"].get("bookmarks", {}).get("message_statuses"))  # fmt: skip
    killed = full.messages[: first_state + 1]
    resumed = sync(run_in_process, fake_clock_at, tmp_path, state=killed[-1]["value"])
    assert resumed.error is None
    second = resumed.records("message_statuses")
    assert 0 < len(second) < 360, "the resumed sync starts at its bookmark"
    landed = land(killed + resumed.messages, tmp_path / "w.duckdb")
    assert {(m, s) for m, s, _ in landed} == every
    assert len(landed) == 360


def test_a_payload_received_within_the_settle_window_waits_for_the_next_sync(
    meta, tmp_path, run_in_process, fake_clock_at
):
    directory = tmp_path / "spool" / TENANT
    spool.append(directory, meta.notification(meta.status(message(1), "sent", 1)), NOW)
    assert sync(run_in_process, fake_clock_at, tmp_path).records("message_statuses") == []
    five_minutes_later = fake_clock_at((NOW + dt.timedelta(minutes=5)).isoformat())
    later = run_in_process(TapCerebroWhatsApp, config(tmp_path), clock=five_minutes_later)
    assert len(later.records("message_statuses")) == 1


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"{not json", "not JSON"),
        (b'{"object": "page", "entry": []}', "not a WhatsApp Business Account notification"),
        (b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages",'
         b' "value": {"statuses": [{"status": "read", "timestamp": "1"}]}}]}]}',
         "without its message id"),
        (b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages",'
         b' "value": {"statuses": [{"id": "wamid.X", "status": "read", "timestamp": "ayer"}]}}]}]}',
         "without a unix timestamp"),
    ],
)  # fmt: skip
def test_a_signed_payload_that_is_not_statuses_goes_to_quarantine_with_its_reason(
    receiver, meta, tmp_path, run_in_process, fake_clock_at, body, reason
):
    good = meta.notification(meta.status(message(7), "delivered", 1_763_640_000))
    assert post(receiver, meta, body) == 200  # Meta's own bytes: kept, not refused
    assert post(receiver, meta, good) == 200
    run = sync(run_in_process, fake_clock_at, tmp_path)
    assert run.error is None
    assert [r["message_id"] for r in run.records("message_statuses")] == ["wamid.FAKE000000000007"]
    quarantine = tmp_path / "spool" / TENANT / spool.QUARANTINE
    (kept,) = [p for p in quarantine.iterdir() if p.suffix == ".json"]
    assert kept.read_bytes() == body
    assert reason in (quarantine / f"{kept.name}.reason").read_text()


def test_an_incoming_customer_message_holds_no_status_and_lands_nothing(
    receiver, meta, tmp_path, run_in_process, fake_clock_at
):
    incoming = (b'{"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{'
                b'"field": "messages", "value": {"messaging_product": "whatsapp", "messages": ['
                b'{"from": "56912345678", "id": "wamid.IN", "timestamp": "1", "type": "text",'
                b' "text": {"body": "hola"}}]}}]}]}')  # fmt: skip
    assert post(receiver, meta, incoming) == 200
    run = sync(run_in_process, fake_clock_at, tmp_path)
    assert run.error is None and run.records("message_statuses") == []
    assert not (tmp_path / "spool" / TENANT / spool.QUARANTINE).exists()


def test_a_receiver_stopped_mid_write_finishes_what_it_acknowledged_on_restart(tmp_path):
    directory = tmp_path / "spool"
    name = spool.append(directory, b'{"a": 1}', T0)
    # As if the rename had not happened: the payload staged, its marker taken.
    (directory / name).rename(directory / spool.INCOMING / name)
    (directory / spool.INCOMING / f"20261120T120001000000Z-{'0' * 64}.json").write_bytes(b"x")
    assert spool.recover(directory) == 1
    assert [p.name for p in spool.pending(directory, None, "9")] == [name]
    assert list((directory / spool.INCOMING).iterdir()) == []


def test_the_stream_is_the_contracts_and_every_setting_is_described(tmp_path):
    tap = TapCerebroWhatsApp(config=config(tmp_path), parse_env_config=False)
    assert set(tap.streams) == set(STREAMS_BY_SOURCE["whatsapp"])
    stream = tap.streams["message_statuses"]
    contract = raw_stream("whatsapp", "message_statuses")
    assert stream.schema == contract.schema()
    assert tuple(stream.primary_keys) == contract.primary_keys
    assert stream.replication_key == contract.replication_key
    properties = TapCerebroWhatsApp.config_jsonschema["properties"]
    assert all(p.get("description") for p in properties.values())
