"""An in-memory destination implementing the contract (``cerebro.actions.activation.destination``):
a
vendor that keeps lists by audience name, records every request, and can be told to refuse or
fail some members, to stop with a ``DestinationError``, or to be killed (``KeyboardInterrupt``)
after a number of answers. The vendor's state outlives the client (``VendorState``), so a
second client sees what the first one left, as a real vendor would.

``from_config`` lets the command line build it through the registry, under the name
``klaviyo`` (the tests point the registry's ``klaviyo`` entry at this module).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from cerebro.actions.activation.destination import (
    ADD,
    FAILED,
    REFUSED,
    REMOVE,
    SEND,
    SENT,
    Audience,
    DestinationError,
    Member,
    Outcome,
)


@dataclass
class VendorState:
    """What the vendor holds: lists by audience name, and every accepted request."""

    lists: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    accepted: Counter = field(default_factory=Counter)  # (action, customer_id) -> times
    requests: int = 0
    members_seen: list[Member] = field(default_factory=list)


@dataclass
class FakeList:
    """A list destination (``one_shot=False``) or a one-shot one (``one_shot=True``)."""

    name: ClassVar[str] = "klaviyo"
    state: VendorState = field(default_factory=VendorState)
    consent: str = "email"
    one_shot: bool = False
    refuse: frozenset[str] = frozenset()
    fail: frozenset[str] = frozenset()
    interrupt_after: int | None = None
    error_after: int | None = None
    calls: int = 0

    def sync(
        self, audience: Audience, add: Sequence[Member], remove: Sequence[Member]
    ) -> Iterator[Outcome]:
        self.calls += 1
        self.state.requests += 1
        members = self.state.lists[audience.name]
        work = [(ADD, m) for m in add] + [(REMOVE, m) for m in remove]
        for answered, (action, member) in enumerate(work):
            if self.interrupt_after is not None and answered >= self.interrupt_after:
                raise KeyboardInterrupt
            if self.error_after is not None and answered >= self.error_after:
                raise DestinationError("FakeList: the API key was revoked (401); set a new one")
            self.state.members_seen.append(member)
            reported = SEND if (self.one_shot and action == ADD) else action
            if member.customer_id in self.refuse:
                yield Outcome(member.customer_id, reported, REFUSED, "invalid\nemail")
            elif member.customer_id in self.fail:
                yield Outcome(member.customer_id, reported, FAILED, "HTTP 503")
            else:
                if action == ADD:
                    members.add(member.customer_id)
                else:
                    members.discard(member.customer_id)
                self.state.accepted[reported, member.customer_id] += 1
                yield Outcome(member.customer_id, reported, SENT, vendor_ref=f"ref-{answered}")


#: The vendor the command line's clients talk to (tests reset it).
SHARED = VendorState()


def from_config(settings: Mapping[str, object], secrets: Mapping[str, str]) -> FakeList:
    if secrets.get("api_key") != "pk_test":
        raise DestinationError("FakeList: the api_key secret is not pk_test")
    return FakeList(
        state=SHARED,
        one_shot=bool(settings.get("one_shot", False)),
        fail=frozenset(settings.get("fail", ())),
    )
