"""What every activation destination implements, and what it is given.

A destination receives, for one audience (one segment of one tenant), the members to add and
the members to remove, with the contact data and attributes it may need, and yields one
``Outcome`` per member and action as soon as the vendor has answered for it. It never decides
who is in the segment, who consented or who is held out as control: the sync
(``cerebro.actions.activation.sync``) does that before, and records every outcome in the activation
log as it is yielded, so that a sync killed midway is completed by the next one without a
second send.

Membership destinations (Klaviyo lists, Meta custom audiences, Google Customer Match) keep a
list equal to the segment: members are added and removed. One-shot destinations (a Shopify
rescue coupon, a WhatsApp template message) act once per member: ``remove`` is empty for them.

A failure that makes every further call pointless (a rejected credential, a missing secret,
an unknown account) raises ``DestinationError`` with one line that says what to do and never
holds a secret; a refusal about one member (no opt-in, an invalid number) is an ``Outcome``
with status ``refused``, and the sync goes on.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Protocol

#: Outcome statuses: the vendor accepted the action, refused it for this member (a reason
#: that will not change by retrying), or it failed (retries exhausted, 5xx): sent again later.
SENT, REFUSED, FAILED = "sent", "refused", "failed"
#: Actions. ``repair`` is an add of a member the log says the vendor already holds, sent
#: again because the vendor's list was found missing or short (``cerebro activate --resync``).
ADD, REMOVE, SEND, REPAIR = "add", "remove", "send", "repair"


class DestinationError(RuntimeError):
    """The whole sync cannot go on; the message is one line, without secrets."""


@dataclass(frozen=True)
class Member:
    """One customer of the audience, with what a vendor may match or address them by.

    ``country_code`` is the tenant's (ISO 3166 alpha-2), for phone numbers written without
    their country prefix. ``attributes`` carries model outputs a destination may use, e.g.
    ``p_alive``, ``predicted_clv_12m``, ``expected_purchases_90d`` and ``currency``.
    """

    customer_id: str
    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    country_code: str = "CL"
    attributes: Mapping[str, float | str | None] = field(default_factory=dict)
    #: For a member to remove: the hashed identifiers this destination sent when it added
    #: them (``Outcome.sent``, kept in ``ops.activation_identifiers``), so that a member whose
    #: contacts are gone from the marts (an erased customer) still leaves the list, and one
    #: whose e-mail changed leaves under the address that was added.
    sent: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Audience:
    """One segment of one tenant as a vendor sees it: ``name`` is what the vendor's UI shows
    (e.g. "Cerebro · casafacil_cl · Frecuentes alejados"), stable across syncs."""

    tenant_id: str
    segment: str
    name: str


@dataclass(frozen=True)
class Outcome:
    """What the vendor answered for one member and action. ``detail`` is one line (the
    vendor's reason for a refusal or failure); ``vendor_ref`` what the vendor gave back
    (a discount code, a message id, an import job id), when it matters later."""

    customer_id: str
    action: str
    status: str
    detail: str = ""
    vendor_ref: str | None = None
    #: For an accepted add: the hashed identifiers sent, by the vendor's key (e.g. Meta's
    #: ``EMAIL``, Google's ``hashedEmail``, Klaviyo's ``email_sha256``); what a later removal
    #: is given back as ``Member.sent``. Never a contact in clear.
    sent: Mapping[str, str] | None = None


@dataclass(frozen=True)
class ListState:
    """What a list destination's vendor says about an audience's list, read in one call:
    whether it exists and how many members it reports (exactly or not: the destination's
    ``list_state`` judges it against the log, knowing how its vendor counts)."""

    exists: bool
    size: int | None = None
    #: The vendor's words for the count (e.g. "approximate_count 1000-1200"), for the report.
    said: str = ""


class Destination(Protocol):
    """A vendor client for one tenant, built from the tenant's settings and secrets."""

    #: The key under a tenant's ``destinations:`` and the CLI's ``--destination``.
    name: ClassVar[str]
    #: The marketing consent a member needs for this destination: "email" or "sms".
    consent: ClassVar[str]
    #: True for one-shot sends (coupon, message), False for lists kept equal to the segment.
    one_shot: ClassVar[bool]

    def sync(
        self, audience: Audience, add: Sequence[Member], remove: Sequence[Member]
    ) -> Iterator[Outcome]:
        """Apply the changes; one outcome per member and action, yielded as they are known."""
        ...


class ListDestination(Destination, Protocol):
    """A list destination that can be reconciled with its vendor (``cerebro.actions.activation
    .reconcile``): it reads the list's state, and repairs it by sending again the members the
    log says it holds (``repair``, answered with action ``repair``) besides the changes."""

    def list_state(self, audience: Audience, expected: int) -> tuple[ListState, bool]:
        """The vendor's state of the audience's list and whether it holds fewer members than
        the ``expected`` the log says (each vendor's count is exact or not in its own way)."""
        ...

    def sync(
        self,
        audience: Audience,
        add: Sequence[Member],
        remove: Sequence[Member],
        *,
        repair: Sequence[Member] = (),
    ) -> Iterator[Outcome]: ...


class DestinationFactory(Protocol):
    """How a destination module builds its client: ``settings`` as written under the tenant's
    ``destinations.<name>.settings`` (base URL, API version, ids), ``secrets`` with each
    ``secrets:`` entry's environment variable already read (a missing one is refused before)."""

    def __call__(
        self, settings: Mapping[str, object], secrets: Mapping[str, str]
    ) -> Destination: ...
