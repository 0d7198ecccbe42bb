"""WhatsApp template messages through Meta's Cloud API: one message per member.

Each member gets ``POST /{api_version}/{phone_number_id}/messages`` with a template message
(``messaging_product: whatsapp``, ``type: template``, the template's name and language, and
the body's parameters in order) addressed to the member's phone in E.164, completed with the
tenant's country code when typed without it (``cerebro.actions.activation.identifiers.e164_phone``).
The message id Meta returns (``wamid.…``) is the outcome's ``vendor_ref``.
https://developers.facebook.com/docs/whatsapp/cloud-api/guides/send-message-templates

Consent: WhatsApp requires the customer's opt-in to business messages. Cerebro reads it from
the member's SMS marketing consent (Shopify's ``smsMarketingConsent``, landed as
``sms_marketing_state``): a store that collects one phone consent for "SMS and WhatsApp" has
it there. A store whose SMS consent text does not mention WhatsApp must not use this
destination until it collects that opt-in.

Template parameters: ``parameters`` lists, in order, what fills the body's ``{{1}}``,
``{{2}}``…: ``first_name`` and ``last_name`` (the member's; a missing first name is
``name_fallback``), or any member attribute such as ``discount_code`` and
``discount_percent``, which the sync puts there from the member's rescue coupon
(``cerebro/actions/activation/coupons.py``). A member without a listed value (other than the first
name) is not sent and *failed*, not refused: the value is Cerebro's to supply (a coupon not
created yet), so the next sync asks again; these do not count towards stopping the sync.

Meta's answers (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes):

- refused for that recipient, with the reason: 131026 (undeliverable: no WhatsApp account,
  terms not accepted, old app), 131047 (outside the 24-hour window), 131049 (not delivered
  to keep engagement healthy), 131050 (the customer stopped marketing messages), 131021,
  131030, 131008/131009 (parameters) and any other per-message 4xx;
- waited and tried again: 130429 (the number's throughput, 80 messages a second by default:
  the client also paces itself under ``messages_per_second``), 4 and 80007 (app and account
  call limits), with backoff 1, 2, 4 … s; 131056 (the pair limit: about one message every
  6 s to one number) after 6 s. Still limited after the allowed attempts: failed, for the
  next sync;
- 131048 (spam rate limit: the *sender* number is restricted for its quality): that member
  failed and the sync stops, since every further message would meet the same limit;
- the sync stops with one line: 190 (the access token expired or is invalid), 10 and
  200 to 299 (permission), 100 with subcode 33 (unknown phone_number_id), 368, 131031, 131042,
  131045, 133010 (the business account or number cannot send) and 132xxx (the template:
  missing in that language, wrong parameter count, paused or disabled).

Meta also reports failures later, in the ``messages`` webhook (a message accepted here and
undelivered afterwards): "sent" in the log means accepted by the Cloud API (``message_status``,
e.g. ``accepted``, is kept in the detail), and what became of the message arrives through
``cerebro-whatsapp-receiver`` and ``tap-cerebro-whatsapp``, joined by the message id this
client logs as ``vendor_ref`` (decision 0066).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from cerebro.actions.activation.destination import (
    FAILED,
    REFUSED,
    SEND,
    SENT,
    Audience,
    DestinationError,
    Member,
    Outcome,
)
from cerebro.actions.activation.http import VendorHttp, VendorResponse, VendorUnavailable
from cerebro.actions.activation.identifiers import UnusableIdentifier, e164_phone
from cerebro.tenants import DESTINATION_SETTINGS

#: Limits Meta asks to wait out and try again: the number's throughput, app and account calls.
RETRIED_CODES = frozenset({130429, 4, 80007})
#: The (business number, customer number) pair limit, and the wait Meta's figure implies.
PAIR_LIMIT_CODE, PAIR_LIMIT_WAIT_SECONDS = 131056, 6.0
#: The sender number is restricted for its quality: no further message would go.
SPAM_LIMIT_CODE = 131048
AUTH_CODES = frozenset({190})
PERMISSION_CODES = frozenset({3, 10, *range(200, 300)})
ACCOUNT_CODES = frozenset({368, 131031, 131042, 131045, 133010})
#: Spanish reasons for the refusals the "Acciones" page shows most.
REFUSAL_REASONS = {
    131026: "WhatsApp no pudo entregarlo (número sin WhatsApp, términos no aceptados o app "
    "antigua)",
    131047: "fuera de la ventana de 24 horas",
    131049: "Meta no lo entregó para cuidar la interacción del ecosistema",
    131050: "el cliente dejó de recibir mensajes de marketing",
    131021: "el destinatario es el mismo número que envía",
    131030: "el número no está en la lista permitida de la cuenta de prueba",
}
_NAMED_FIELDS = ("first_name", "last_name")
_API_VERSION = re.compile(r"v\d+\.\d+")


@dataclass
class WhatsApp:
    """A tenant's WhatsApp Cloud API client (build it with ``from_config``)."""

    name: ClassVar[str] = "whatsapp"
    consent: ClassVar[str] = "sms"
    one_shot: ClassVar[bool] = True

    http: VendorHttp
    api_version: str
    phone_number_id: str
    template_name: str
    language: str = "es"
    parameters: tuple[str, ...] = ()
    name_fallback: str = "cliente"
    #: The client's own pace, under the number's throughput (Meta's default is 80).
    messages_per_second: float = 80.0
    #: Attempts at one member while Meta answers a rate limit.
    max_attempts: int = 6
    #: Consecutive members failed (Meta unavailable or limiting) before the sync stops.
    max_consecutive_failures: int = 3
    clock: Callable[[], float] = field(default=time.monotonic)
    _window_start: float = field(default=float("-inf"), init=False, repr=False)
    _window_count: int = field(default=0, init=False, repr=False)

    @property
    def path(self) -> str:
        return f"/{self.api_version}/{self.phone_number_id}/messages"

    def sync(
        self, audience: Audience, add: Sequence[Member], remove: Sequence[Member]
    ) -> Iterator[Outcome]:
        """One template message per member of ``add``; ``remove`` is ignored (one-shot)."""
        failures = 0
        for member in add:
            missing = self._missing_parameter(member)
            if missing:
                # Cerebro's to supply (a coupon not yet created, a field the marts lack), not
                # the member's: failed, so the next sync asks again, and not the vendor's
                # failure, so it does not count towards stopping the sync.
                yield Outcome(member.customer_id, SEND, FAILED, missing)
                continue
            try:
                outcome = self._send(member)
            except _SenderRestricted as restricted:
                yield restricted.outcome
                raise DestinationError(
                    f"WhatsApp restricted number {self.phone_number_id} for spam "
                    f"({SPAM_LIMIT_CODE}): check its quality rating in WhatsApp Manager; the "
                    "rest will be sent by a later sync"
                ) from None
            yield outcome
            failures = failures + 1 if outcome.status == FAILED else 0
            if failures >= self.max_consecutive_failures:
                raise DestinationError(
                    f"WhatsApp failed for {failures} customers in a row (last: "
                    f"{outcome.detail}); the rest will be sent by the next sync"
                )

    def _send(self, member: Member) -> Outcome:
        def outcome(status: str, detail: str, vendor_ref: str | None = None) -> Outcome:
            return Outcome(member.customer_id, SEND, status, detail, vendor_ref)

        if not member.phone:
            return outcome(REFUSED, "sin teléfono")
        try:
            phone = e164_phone(member.phone, member.country_code)
        except UnusableIdentifier as error:
            return outcome(REFUSED, f"teléfono inutilizable: {error}")
        values = [_parameter(member, name, self.name_fallback) for name in self.parameters]
        body = self._message(phone, values)
        for attempt in range(1, self.max_attempts + 1):
            self._pace()
            try:
                response = self.http.request("POST", self.path, json_body=body)
            except VendorUnavailable as error:
                return outcome(FAILED, str(error))
            if response.ok and not _has_messages(response.body):
                # A success without the message WhatsApp always returns is someone else's
                # answer (a proxy, a wrong base_url): nothing is known to be sent.
                return outcome(
                    FAILED, "answered without 'messages': not WhatsApp's answer (a proxy?)"
                )
            if response.ok:
                return outcome(SENT, *_accepted(response.body))
            code, subcode, text = _error(response)
            self._stop_if_fatal(response.status, code, subcode, text)
            if code in RETRIED_CODES or code == PAIR_LIMIT_CODE:
                if attempt < self.max_attempts:
                    pair = code == PAIR_LIMIT_CODE
                    self.http.sleep(PAIR_LIMIT_WAIT_SECONDS if pair else 2.0 ** (attempt - 1))
                    continue
                return outcome(FAILED, f"límite de envío de WhatsApp: {text} ({code})")
            if code == SPAM_LIMIT_CODE:
                raise _SenderRestricted(outcome(FAILED, f"número limitado por spam: {text}"))
            return outcome(REFUSED, f"{REFUSAL_REASONS.get(code, text)} ({code})")
        raise AssertionError("unreachable: the loop returns on its last attempt")

    def _missing_parameter(self, member: Member) -> str | None:
        """Why the template cannot be filled for ``member``, or None."""
        for name in self.parameters:
            if _parameter(member, name, self.name_fallback) is None:
                return f"falta {name} para la plantilla {self.template_name}"
        return None

    def _message(self, phone: str, values: Sequence[str]) -> dict:
        template: dict = {"name": self.template_name, "language": {"code": self.language}}
        if values:
            template["components"] = [
                {"type": "body", "parameters": [{"type": "text", "text": v} for v in values]}
            ]
        return {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": phone,
            "type": "template",
            "template": template,
        }

    def _pace(self) -> None:
        """At most ``messages_per_second`` messages in each second: waits for the next one."""
        now = self.clock()
        if now - self._window_start >= 1.0:
            self._window_start, self._window_count = now, 0
        elif self._window_count >= self.messages_per_second:
            self.http.sleep(self._window_start + 1.0 - now)
            self._window_start, self._window_count = self.clock(), 0
        self._window_count += 1

    def _stop_if_fatal(self, status: int, code: int | None, subcode: int | None, text: str):
        where = f"WhatsApp number {self.phone_number_id}"
        if code in AUTH_CODES or (status == 401 and code not in ACCOUNT_CODES):
            raise DestinationError(
                f"WhatsApp refused the access token (code {code}): it expired or is invalid; "
                "renew the system user token in the environment variable named under the "
                "destination's secrets.access_token"
            )
        if code in PERMISSION_CODES or (status == 403 and code not in ACCOUNT_CODES):
            raise DestinationError(
                f"WhatsApp: the access token lacks permission for {where} (code {code}): "
                "grant whatsapp_business_messaging to the app's system user"
            )
        if code == 100 and subcode == 33:
            raise DestinationError(
                f"WhatsApp: phone_number_id {self.phone_number_id} does not exist or this "
                "token cannot use it (code 100, subcode 33): check the setting"
            )
        if code in ACCOUNT_CODES:
            raise DestinationError(f"WhatsApp cannot send from {where}: {text} (code {code})")
        if code is not None and 132000 <= code < 133000:
            raise DestinationError(
                f"WhatsApp refused template {self.template_name!r} in {self.language!r}: "
                f"{text} (code {code}); check the template's name, language and parameters"
            )


class _SenderRestricted(Exception):
    """Meta restricted the sender number: this member failed and the sync stops."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.detail)
        self.outcome = outcome


def _parameter(member: Member, name: str, name_fallback: str) -> str | None:
    if name in _NAMED_FIELDS:
        value = getattr(member, name)
        if not (value or "").strip():
            return name_fallback if name == "first_name" else None
        return value.strip()
    value = member.attributes.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float):
        return f"{value:g}"
    return str(value).strip()


def _has_messages(body: object) -> bool:
    return isinstance(body, dict) and isinstance(body.get("messages"), list)


def _accepted(body: object) -> tuple[str, str | None]:
    messages = body.get("messages") if isinstance(body, dict) else None
    first = messages[0] if isinstance(messages, list) and messages else {}
    return str(first.get("message_status") or "accepted"), first.get("id")


def _error(response: VendorResponse) -> tuple[int | None, int | None, str]:
    """Meta's ``error.code``, ``error_subcode`` and the most specific text of the answer."""
    error = response.body.get("error") if isinstance(response.body, dict) else None
    if not isinstance(error, dict):
        return None, None, f"HTTP {response.status}: {' '.join(str(response.body).split())[:200]}"
    details = (error.get("error_data") or {}).get("details")
    text = " ".join(str(details or error.get("message") or f"HTTP {response.status}").split())
    return _int(error.get("code")), _int(error.get("error_subcode")), text


def _int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def from_config(
    settings: Mapping[str, object],
    secrets: Mapping[str, str],
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> WhatsApp:
    """The destination from a tenant's ``destinations.whatsapp`` block.

    Settings: ``api_version`` (e.g. ``v23.0``), ``phone_number_id``, ``template_name``,
    ``language`` (``es``; ``es_CL`` for a template approved as "Spanish (CHL)": it must be the
    approved template's), ``parameters`` (list, see the module), ``name_fallback``
    (``cliente``), ``messages_per_second`` (80), ``base_url`` (https://graph.facebook.com).
    Secrets: ``access_token`` (a system user token with whatsapp_business_messaging).
    """
    where = "destinations.whatsapp"
    known = DESTINATION_SETTINGS["whatsapp"]
    unknown = sorted(set(settings) - known)
    if unknown:
        raise DestinationError(
            f"{where}.settings: unknown key(s) {unknown}; known: {sorted(known)}"
        )
    api_version = str(settings.get("api_version") or "").strip()
    if not _API_VERSION.fullmatch(api_version):
        raise DestinationError(
            f"{where}.settings.api_version: {api_version or 'missing'}; write a Graph API "
            "version such as v23.0"
        )
    phone_number_id = str(settings.get("phone_number_id") or "").strip()
    if not phone_number_id.isdigit():
        raise DestinationError(
            f"{where}.settings.phone_number_id: {phone_number_id or 'missing'}; write the "
            "number's id from WhatsApp Manager (digits, not the phone number itself)"
        )
    template_name = str(settings.get("template_name") or "").strip()
    if not re.fullmatch(r"[a-z0-9_]+", template_name):
        raise DestinationError(
            f"{where}.settings.template_name: {template_name or 'missing'}; write the approved "
            "template's name (lowercase letters, digits and _)"
        )
    language = str(settings.get("language") or "es").strip()
    if not re.fullmatch(r"[a-z]{2,3}(_[A-Z]{2})?", language):
        raise DestinationError(
            f"{where}.settings.language: {language}; write a template language code such as "
            "es or es_CL"
        )
    parameters = settings.get("parameters") or []
    if not isinstance(parameters, list) or not all(
        isinstance(p, str) and p.strip() for p in parameters
    ):
        raise DestinationError(
            f"{where}.settings.parameters: {parameters!r}; write a list of member fields "
            "(first_name, last_name, discount_code…)"
        )
    rate = settings.get("messages_per_second", 80)
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not rate > 0:
        raise DestinationError(f"{where}.settings.messages_per_second: {rate!r} must be positive")
    token = secrets.get("access_token")
    if not token:
        raise DestinationError(f"{where}.secrets.access_token is missing")
    http = VendorHttp(
        vendor="WhatsApp",
        base_url=str(settings.get("base_url") or "https://graph.facebook.com"),
        headers={"Authorization": f"Bearer {token}"},
        sleep=sleep,
    )
    return WhatsApp(
        http=http,
        api_version=api_version,
        phone_number_id=phone_number_id,
        template_name=template_name,
        language=language,
        parameters=tuple(p.strip() for p in parameters),
        name_fallback=str(settings.get("name_fallback") or "cliente"),
        messages_per_second=float(rate),
        clock=clock,
    )
