"""A local stand-in for the message endpoint of Meta's WhatsApp Cloud API.

Stateful, and shaped as Meta documents it
(https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages,
https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes):

- request: ``POST /{version}/{phone_number_id}/messages``, ``Authorization: Bearer <token>``,
  JSON ``{"messaging_product": "whatsapp", "recipient_type": "individual", "to",
  "type": "template", "template": {"name", "language": {"code"}, "components": [{"type":
  "body", "parameters": [{"type": "text", "text"}]}]}}``;
- success (HTTP 200): ``{"messaging_product": "whatsapp", "contacts": [{"input", "wa_id"}],
  "messages": [{"id": "wamid.…", "message_status": "accepted"}]}``;
- errors: Graph API's ``{"error": {"message": "(#code) Title", "type", "code",
  "error_subcode"?, "error_data": {"messaging_product": "whatsapp", "details"}, "fbtrace_id"}}``
  with the HTTP status Meta lists for the code: 190 -> 401 (token), 10 -> 403 (permission),
  100 with subcode 33 -> 400 (unknown phone number id), 132001 -> 404 (no template in that
  language), 132000 -> 400 (parameter count), 130429 -> 400 (the number's throughput, 80
  messages in any second by default), 131056 -> 400 (pair limit: one message to the same
  recipient every 6 s), 131026 -> 400 (the number has no WhatsApp), 131050 -> 400 (the user
  stopped marketing messages), any code scripted per recipient or for the next requests;
- the clock (seconds) is injectable, so throughput and pair limits follow a test's fake clock.

The real API reports many delivery failures (131026, 131049, 131050…) later, in the
``messages`` webhook; this fake answers them at once, the case a synchronous client must also
handle.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import urllib.parse
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from pytest_httpserver import URIPattern
from werkzeug import Request, Response

#: code -> (HTTP status, title) for the codes the fake can answer, as Meta's table lists them.
ERRORS: dict[int, tuple[int, str]] = {
    4: (400, "Application request limit reached"),
    10: (403, "Application does not have permission for this action"),
    100: (400, "Invalid parameter"),
    190: (401, "Error validating access token: Session has expired"),
    368: (403, "Temporarily blocked for policies violations"),
    80007: (400, "Rate limit issues"),
    130429: (400, "Rate limit hit"),
    131000: (500, "Something went wrong"),
    131008: (400, "Required parameter is missing"),
    131026: (400, "Message undeliverable"),
    131031: (403, "Account has been locked"),
    131047: (400, "Re-engagement message"),
    131048: (400, "Spam rate limit hit"),
    131049: (400, "This message was not delivered to maintain healthy ecosystem engagement"),
    131050: (400, "User has stopped marketing messages"),
    131056: (400, "(Business Account, Consumer Account) pair rate limit hit"),
    132000: (400, "Number of parameters does not match the expected number of params"),
    132001: (404, "Template name does not exist in the translation"),
}
DETAILS: dict[int, str] = {
    131026: "Message failed to send because the recipient is not a WhatsApp user or has not "
    "accepted the terms of service.",
    131050: "Unable to deliver the message. This recipient has chosen to stop receiving "
    "marketing messages on WhatsApp from your business.",
    130429: "Cloud API message throughput has been reached.",
    131056: "Message failed to send because there were too many messages sent from this "
    "phone number to the same phone number in a short period of time.",
    131048: "Message failed to send because there are restrictions on how many messages can "
    "be sent from this phone number.",
}


@dataclass
class SentMessage:
    """A message the API accepted."""

    id: str
    to: str
    template: str
    language: str
    parameters: list[str]
    at: float


@dataclass
class FakeWhatsApp:
    """The fake endpoint for one business phone number; ``install`` registers it on a
    pytest-httpserver server."""

    token: str
    phone_number_id: str = "106540352242922"
    api_version: str = "v23.0"
    #: name -> {language code: number of body parameters} of the approved templates.
    templates: dict[str, dict[str, int]] = field(
        default_factory=lambda: {"rescate_cliente": {"es": 2, "es_CL": 2}}
    )
    #: E.164 digits (no +) of the numbers without a WhatsApp account (131026).
    not_on_whatsapp: set[str] = field(default_factory=set)
    #: E.164 digits of the users who stopped marketing messages (131050).
    stopped_marketing: set[str] = field(default_factory=set)
    #: E.164 digits -> error code, for any other per-recipient answer.
    recipient_errors: dict[str, int] = field(default_factory=dict)
    throughput_per_second: int = 80
    pair_interval_seconds: float = 6.0
    clock: Callable[[], float] = time.monotonic
    keep_requests: bool = True

    def __post_init__(self) -> None:
        self.sent: list[SentMessage] = []
        self.requests: list[dict] = []
        self.request_count = 0
        self.answers: dict[int, int] = {}  # error code -> times answered
        self.faults: deque[int] = deque()
        self.revoke_after_messages: int | None = None
        self._recent: deque[float] = deque()
        self._last_to: dict[str, float] = {}
        self._ids = itertools.count(1)

    @property
    def path(self) -> str:
        return f"/{self.api_version}/{self.phone_number_id}/messages"

    def install(self, httpserver) -> None:
        """Answer every ``/{version}/<number id>/messages``: another id than ours is Graph
        API's "object does not exist" (code 100, subcode 33)."""
        httpserver.expect_request(
            _MessagesPath(self.api_version), method="POST"
        ).respond_with_handler(self.handle)

    def fail_next(self, *codes: int) -> None:
        """Answer the next requests with these error codes, in order, then normally."""
        self.faults.extend(codes)

    def revoke_token_after(self, messages: int) -> None:
        """The token expires once this many messages have been accepted."""
        self.revoke_after_messages = messages

    def messages_to(self, e164: str) -> list[SentMessage]:
        return [m for m in self.sent if m.to == e164.removeprefix("+")]

    def _error(self, code: int, *, subcode: int | None = None, details: str = "") -> Response:
        self.answers[code] = self.answers.get(code, 0) + 1
        status, title = ERRORS[code]
        error: dict = {
            "message": f"(#{code}) {title}",
            "type": "OAuthException",
            "code": code,
            "error_data": {
                "messaging_product": "whatsapp",
                "details": details or DETAILS.get(code, title),
            },
            "fbtrace_id": f"AbCdEf{self.request_count}",
        }
        if subcode is not None:
            error["error_subcode"] = subcode
        return Response(
            json.dumps({"error": error}), status=status, content_type="application/json"
        )

    def handle(self, request: Request) -> Response:
        self.request_count += 1
        body = json.loads(request.get_data() or b"{}")
        if self.keep_requests:
            self.requests.append(
                {"path": request.path, "body": body, "headers": dict(request.headers)}
            )
        revoked = (
            self.revoke_after_messages is not None and len(self.sent) >= self.revoke_after_messages
        )
        if revoked or request.headers.get("Authorization") != f"Bearer {self.token}":
            return self._error(190, subcode=463)
        if request.path != self.path:
            number_id = request.path.split("/")[2]
            return self._error(
                100,
                subcode=33,
                details=f"Unsupported post request. Object with ID '{number_id}' does not "
                "exist, cannot be loaded due to missing permissions, or does not support this "
                "operation.",
            )
        if self.faults:
            return self._error(self.faults.popleft())
        if body.get("messaging_product") != "whatsapp" or body.get("type") != "template":
            return self._error(100, details="messaging_product must be whatsapp")
        template = body.get("template") or {}
        language = (template.get("language") or {}).get("code")
        expected = (self.templates.get(template.get("name")) or {}).get(language)
        if expected is None:
            return self._error(
                132001,
                details=f"template name ({template.get('name')}) does not exist in {language}",
            )
        parameters = [
            parameter.get("text")
            for component in template.get("components") or []
            if component.get("type") == "body"
            for parameter in component.get("parameters") or []
        ]
        if len(parameters) != expected:
            return self._error(
                132000,
                details=f"body: number of localizable_params ({len(parameters)}) does not "
                f"match the expected number of params ({expected})",
            )
        if any(not (text or "").strip() for text in parameters):
            return self._error(131008, details="Parameter text is empty")
        to = str(body.get("to") or "")
        digits = to.removeprefix("+")
        if not digits.isdigit():
            return self._error(100, details="Invalid parameter: to")
        now = self.clock()
        while self._recent and self._recent[0] <= now - 1.0:
            self._recent.popleft()
        if len(self._recent) >= self.throughput_per_second:
            return self._error(130429)
        last = self._last_to.get(digits)
        if last is not None and now - last < self.pair_interval_seconds:
            return self._error(131056)
        if digits in self.not_on_whatsapp:
            return self._error(131026)
        if digits in self.stopped_marketing:
            return self._error(131050)
        if digits in self.recipient_errors:
            return self._error(self.recipient_errors[digits])
        self._recent.append(now)
        self._last_to[digits] = now
        message = SentMessage(
            id=f"wamid.FAKE{next(self._ids):012d}",
            to=digits,
            template=template["name"],
            language=language,
            parameters=parameters,
            at=now,
        )
        self.sent.append(message)
        return Response(
            json.dumps(
                {
                    "messaging_product": "whatsapp",
                    "contacts": [{"input": to, "wa_id": digits}],
                    "messages": [{"id": message.id, "message_status": "accepted"}],
                }
            ),
            status=200,
            content_type="application/json",
        )


class _MessagesPath(URIPattern):
    """pytest-httpserver URI pattern for ``/{version}/<any id>/messages``."""

    def __init__(self, api_version: str) -> None:
        self.prefix = f"/{api_version}/"

    def match(self, uri: str) -> bool:
        parts = uri.removeprefix(self.prefix).split("/")
        return uri.startswith(self.prefix) and len(parts) == 2 and parts[1] == "messages"


#: Title Meta's status webhook gives a delivery failure, per code (its error-code table).
FAILURE_TITLES: dict[int, str] = {
    131026: "Message undeliverable",
    131049: "This message was not delivered to maintain healthy ecosystem engagement",
    131050: "User has stopped marketing messages",
    131047: "Re-engagement message",
}


@dataclass
class MetaWebhooks:
    """Meta's side of the ``messages`` webhook for one app: it builds status notifications
    for messages the fake API accepted and signs them as Meta does
    (https://developers.facebook.com/docs/graph-api/webhooks/getting-started: a POST of JSON
    whose ``X-Hub-Signature-256`` is ``sha256=`` and the hex HMAC-SHA256 of the raw body keyed
    with the app secret; the verification GET carries hub.mode, hub.challenge and
    hub.verify_token), the payload shaped as the status webhook reference shows it
    (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/
    reference/messages/status/: ``entry[].changes[].value.statuses[]`` with the message id,
    status, unix ``timestamp`` as a string, ``recipient_id`` (the wa_id), ``pricing`` and, for
    a failure, ``errors[]`` with code, title, message and ``error_data.details``)."""

    app_secret: str
    verify_token: str
    business_account_id: str = "102290129340398"
    phone_number_id: str = "106540352242922"
    display_phone_number: str = "56229000000"

    def status(self, message: SentMessage, status: str, at: int, *, code: int | None = None):
        """One status object of ``message``; ``code`` makes it a failure with Meta's error."""
        item: dict = {
            "id": message.id,
            "status": status,
            "timestamp": str(at),
            "recipient_id": message.to,
        }
        if status in ("sent", "delivered", "read"):
            item["pricing"] = {"billable": True, "pricing_model": "PMP",
                               "category": "marketing"}  # fmt: skip
        if code is not None:
            title = FAILURE_TITLES.get(code, ERRORS.get(code, (400, "Error"))[1])
            item["errors"] = [{"code": code, "title": title, "message": title,
                               "error_data": {"details": DETAILS.get(code, title)}}]  # fmt: skip
        return item

    def notification(self, *statuses: dict) -> bytes:
        """The body Meta posts for ``statuses`` (one entry, one change), as raw bytes."""
        payload = {
            "object": "whatsapp_business_account",
            "entry": [{"id": self.business_account_id, "changes": [{"field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": self.display_phone_number,
                             "phone_number_id": self.phone_number_id},
                "statuses": list(statuses)}}]}],
        }  # fmt: skip
        return json.dumps(payload, separators=(",", ":")).encode("utf-8")

    def signed(self, body: bytes) -> dict[str, str]:
        """The headers Meta sends with ``body``."""
        digest = hmac.new(self.app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
        return {"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={digest}"}

    def verification(self, challenge: str = "1158201444", token: str | None = None) -> str:
        """The query string of the GET that subscribes the callback URL."""
        return urllib.parse.urlencode({
            "hub.mode": "subscribe", "hub.challenge": challenge,
            "hub.verify_token": self.verify_token if token is None else token,
        })  # fmt: skip
