"""The WhatsApp destination against the fake Cloud API (``fake_whatsapp``).

Oracles: the messages the fake accepted (one template message per member, to the E.164
number completed with the tenant's country code, with the body parameters in order), Meta's
documented error codes answered per recipient (refused with the reason, or waited and tried
again for the rate limits, on an injected clock) and the one-line stops (190, 10, unknown
number id, template, spam restriction)."""

from __future__ import annotations

import pytest

from cerebro.actions.activation.destination import (
    FAILED,
    REFUSED,
    SEND,
    SENT,
    DestinationError,
)
from cerebro.actions.activation.destinations import whatsapp
from tests.cerebro.actions.activation.whatsapp.whatsapp_members import (
    AUDIENCE,
    PHONE_NUMBER_ID,
    TOKEN,
    member,
)


def test_destination_declares_name_consent_and_one_shot():
    assert whatsapp.WhatsApp.name == "whatsapp"
    assert whatsapp.WhatsApp.consent == "sms"
    assert whatsapp.WhatsApp.one_shot is True


def test_one_template_message_per_member_to_its_e164_number(make_api, make_destination):
    api = make_api()
    members = [
        member("1", "9 1234 5678", first_name="María José"),
        member("2", "+56 9 8765-4321", first_name=None),  # the fallback fills {{1}}
        member("3", "56 2 2345 6789"),  # a Santiago landline typed with the code, no +
    ]
    outcomes = list(make_destination().sync(AUDIENCE, members, []))
    assert [(o.customer_id, o.action, o.status, o.detail) for o in outcomes] == [
        ("1", SEND, SENT, "accepted"),
        ("2", SEND, SENT, "accepted"),
        ("3", SEND, SENT, "accepted"),
    ]
    assert [o.vendor_ref for o in outcomes] == [m.id for m in api.sent]
    assert [(m.to, m.template, m.language, m.parameters) for m in api.sent] == [
        ("56912345678", "rescate_cliente", "es", ["María José", "VUELVE-1"]),
        ("56987654321", "rescate_cliente", "es", ["cliente", "VUELVE-2"]),
        ("56223456789", "rescate_cliente", "es", ["Ana", "VUELVE-3"]),
    ]
    first = api.requests[0]
    assert first["path"] == f"/v23.0/{PHONE_NUMBER_ID}/messages"
    assert first["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert first["body"] == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+56912345678",
        "type": "template",
        "template": {
            "name": "rescate_cliente",
            "language": {"code": "es"},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "María José"},
                        {"type": "text", "text": "VUELVE-1"},
                    ],
                }
            ],
        },
    }


def test_members_without_what_the_message_needs_get_no_call(make_api, make_destination):
    """A phone that cannot be used is the member's: refused. A template value Cerebro has not
    supplied yet (the rescue coupon) is Cerebro's: failed, asked again by the next sync."""
    api = make_api()
    members = [
        member("1", None),
        member("2", "1234"),
        member("3", "9 1234 5678", discount_code=None),
        member("4", "9 1234 5679"),
    ]
    outcomes = list(make_destination().sync(AUDIENCE, members, []))
    assert [(o.status, o.detail) for o in outcomes] == [
        (REFUSED, "sin teléfono"),
        (REFUSED, "teléfono inutilizable: phone has 4 digits; a CL number has 9 digits after +56"),
        (FAILED, "falta discount_code para la plantilla rescate_cliente"),
        (SENT, "accepted"),
    ]
    assert api.request_count == 1


def test_members_waiting_for_a_coupon_do_not_stop_the_sync(make_api, make_destination):
    api = make_api()
    waiting = [member(str(i), f"9 1234 56{i:02d}", discount_code=None) for i in range(10)]
    outcomes = list(make_destination().sync(AUDIENCE, [*waiting, member("99", "9 8765 4321")], []))
    assert [o.status for o in outcomes] == [FAILED] * 10 + [SENT]
    assert api.request_count == 1


def test_vendor_refusals_are_recorded_per_recipient_and_the_rest_sent(make_api, make_destination):
    api = make_api(
        not_on_whatsapp={"56911111111"},
        stopped_marketing={"56922222222"},
        recipient_errors={"56933333333": 131047, "56944444444": 131049},
    )
    numbers = ["911111111", "922222222", "933333333", "944444444", "955555555"]
    outcomes = list(
        make_destination().sync(AUDIENCE, [member(str(i), n) for i, n in enumerate(numbers)], [])
    )
    assert [(o.status, o.detail) for o in outcomes] == [
        (
            REFUSED,
            "WhatsApp no pudo entregarlo (número sin WhatsApp, términos no aceptados o app "
            "antigua) (131026)",
        ),
        (REFUSED, "el cliente dejó de recibir mensajes de marketing (131050)"),
        (REFUSED, "fuera de la ventana de 24 horas (131047)"),
        (REFUSED, "Meta no lo entregó para cuidar la interacción del ecosistema (131049)"),
        (SENT, "accepted"),
    ]
    assert [m.to for m in api.sent] == ["56955555555"]


def test_throughput_limit_is_waited_out_and_every_member_sent(make_api, make_destination, clock):
    """The number takes 2 messages a second; the client, pacing itself at 80, meets 130429
    on the third and waits 1 s (its first backoff) before sending it again."""
    api = make_api(throughput_per_second=2)
    members = [member(str(i), f"9{i:08d}") for i in range(1, 5)]
    outcomes = list(make_destination().sync(AUDIENCE, members, []))
    assert [o.status for o in outcomes] == [SENT] * 4
    assert api.answers == {130429: 1}
    assert clock.sleeps == [1.0]


def test_client_pace_keeps_under_the_throughput_without_errors(make_api, make_destination, clock):
    api = make_api(throughput_per_second=2)
    members = [member(str(i), f"9{i:08d}") for i in range(1, 6)]
    outcomes = list(make_destination(messages_per_second=2).sync(AUDIENCE, members, []))
    assert [o.status for o in outcomes] == [SENT] * 5
    assert api.answers == {}
    assert clock.sleeps == [1.0, 1.0]  # after the 2nd and the 4th message
    assert [m.at for m in api.sent] == [0.0, 0.0, 1.0, 1.0, 2.0]


def test_pair_limit_waits_six_seconds_for_that_number(make_api, make_destination, clock):
    api = make_api()
    api.fail_next(131056)
    [outcome] = make_destination().sync(AUDIENCE, [member("1", "9 1234 5678")], [])
    assert outcome.status == SENT
    assert clock.sleeps == [6.0]


def test_still_rate_limited_after_every_attempt_is_failed_and_the_next_member_sent(
    make_api, make_destination, clock
):
    api = make_api()
    api.fail_next(*[130429] * 6)
    members = [member("1", "9 1234 5678"), member("2", "9 1234 5679")]
    outcomes = list(make_destination().sync(AUDIENCE, members, []))
    assert [o.status for o in outcomes] == [FAILED, SENT]
    assert outcomes[0].detail == (
        "límite de envío de WhatsApp: Cloud API message throughput has been reached. (130429)"
    )
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0, 16.0]


def test_spam_restriction_fails_that_member_and_stops(make_api, make_destination):
    api = make_api()
    api.fail_next(131048)
    outcomes = []
    members = [member("1", "9 1234 5678"), member("2", "9 1234 5679")]
    with pytest.raises(DestinationError, match="restricted number 106540352242922 for spam"):
        outcomes.extend(make_destination().sync(AUDIENCE, members, []))
    assert [o.status for o in outcomes] == [FAILED]
    assert outcomes[0].detail.startswith("número limitado por spam: Message failed to send")
    assert api.request_count == 1


def test_expired_token_stops_in_one_line_without_the_secret_nothing_after(
    make_api, make_destination
):
    api = make_api()
    outcomes = []
    members = [member("1", "9 1234 5678"), member("2", "9 1234 5679")]
    with pytest.raises(DestinationError) as raised:
        outcomes.extend(make_destination(token="EAAG-expired").sync(AUDIENCE, members, []))
    message = str(raised.value)
    assert "code 190" in message and "\n" not in message and "EAAG" not in message
    assert outcomes == []
    assert api.request_count == 1


def test_token_revoked_mid_sync_keeps_the_messages_already_sent(make_api, make_destination):
    api = make_api()
    api.revoke_token_after(messages=2)
    members = [member(str(i), f"9{i:08d}") for i in range(1, 5)]
    outcomes = []
    with pytest.raises(DestinationError, match="code 190"):
        outcomes.extend(make_destination().sync(AUDIENCE, members, []))
    assert [o.status for o in outcomes] == [SENT, SENT]
    assert api.request_count == 3


@pytest.mark.parametrize(
    ("arrange", "overrides", "message"),
    [
        (lambda api: api.fail_next(10), {}, "lacks permission"),
        (lambda api: None, {"phone_number_id": "999"}, "phone_number_id 999 does not exist"),
        (lambda api: None, {"language": "es_AR"}, "refused template 'rescate_cliente' in"),
        (lambda api: None, {"parameters": ["first_name"]}, "(code 132000)"),
        (lambda api: api.fail_next(131031), {}, "cannot send from WhatsApp number"),
    ],
)
def test_account_and_template_problems_stop_the_sync_in_one_line(
    make_api, make_destination, arrange, overrides, message
):
    api = make_api()
    arrange(api)
    with pytest.raises(DestinationError) as raised:
        list(make_destination(**overrides).sync(AUDIENCE, [member("1", "9 1234 5678")], []))
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)
    assert api.sent == []


def test_server_error_is_retried_then_sent(make_api, make_destination, clock):
    api = make_api()
    api.fail_next(131000)  # HTTP 500
    [outcome] = make_destination().sync(AUDIENCE, [member("1", "9 1234 5678")], [])
    assert outcome.status == SENT
    assert clock.sleeps == [1.0]
    assert len(api.sent) == 1


def test_language_es_cl_reaches_the_api(make_api, make_destination):
    api = make_api()
    [outcome] = make_destination(language="es_CL").sync(AUDIENCE, [member("1", "9 1234 5678")], [])
    assert outcome.status == SENT
    assert api.sent[0].language == "es_CL"


VALID = {"api_version": "v23.0", "phone_number_id": "1", "template_name": "t"}


@pytest.mark.parametrize(
    ("settings", "secrets", "message"),
    [
        ({"phone_number_id": "1", "template_name": "t"}, {"access_token": "x"}, "api_version"),
        ({"api_version": "v23.0", "template_name": "t"}, {"access_token": "x"}, "phone_number_id"),
        (
            {"api_version": "v23.0", "phone_number_id": "+56 9 1234", "template_name": "t"},
            {"access_token": "x"},
            "not the phone number itself",
        ),
        ({"api_version": "v23.0", "phone_number_id": "1"}, {"access_token": "x"}, "template_name"),
        (
            {
                "api_version": "v23.0",
                "phone_number_id": "1",
                "template_name": "t",
                "language": "es-CL",
            },
            {"access_token": "x"},
            "language: es-CL",
        ),
        (
            {
                "api_version": "v23.0",
                "phone_number_id": "1",
                "template_name": "t",
                "parameters": "first_name",
            },
            {"access_token": "x"},
            "parameters",
        ),
        (
            {"api_version": "v23.0", "phone_number_id": "1", "template_name": "t"},
            {},
            "access_token",
        ),
        ({"api_version": "v23.0", "token": "x"}, {"access_token": "x"}, "unknown key(s) ['token']"),
    ],
)
def test_bad_settings_are_one_line_errors(settings, secrets, message):
    with pytest.raises(DestinationError) as raised:
        whatsapp.from_config(settings, secrets)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)
