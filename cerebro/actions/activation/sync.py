"""One activation: plan what changes in a vendor's list, send it, log every answer as it comes.

The plan compares the segment now with what the log says the vendor already has:

- the segment's members without consent for the destination's channel are skipped
  (``skip`` / ``no_consent``), and the consented ones in the control group held out
  (``hold_out`` / ``held_out``): the control group is the consented members the treatment
  would have reached, so that the uplift mart compares like with like;
- the rest, the consented treated members, are the *target*. For a list kept equal to the
  segment, members of the target whose last accepted action is not an add are added, and
  members whose last accepted action is an add but who are no longer in the target (left the
  segment, withdrew consent) are removed. A one-shot destination (a coupon, a message) is
  sent to target members it never accepted a send for, and removes nothing;
- a member the vendor refused (a reason retrying does not change) is not asked again while
  its identifier is the same one: the hash of the contact the destination's channel reaches
  (the phone's for WhatsApp, the e-mail's otherwise), so correcting it lifts the refusal.

So a second sync with nothing changed sends nothing, and a sync stopped midway (an error,
Ctrl-C) is completed by the next one: every answer is written to ``ops.activation_log`` as it
arrives (``cerebro.actions.activation.log``), so what was accepted is not sent twice and what was
not
is sent next time. Held-out and skipped members are logged on every sync that is not a dry
run, as that run's control group and exclusions.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import math
import os
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from cerebro.actions.activation import registry, sent_identifiers
from cerebro.actions.activation.audiences import AudienceReader
from cerebro.actions.activation.control import is_held_out
from cerebro.actions.activation.coupons import COUPON_DESTINATION, valid_coupons
from cerebro.actions.activation.destination import (
    ADD,
    FAILED,
    REFUSED,
    REMOVE,
    REPAIR,
    SEND,
    SENT,
    Audience,
    Destination,
    DestinationError,
    Member,
    Outcome,
)
from cerebro.actions.activation.discount_experiment import (
    ARM_ATTRIBUTE,
    ZERO_ARM_DETAIL,
    ResponseRule,
    arms,
    discount_arm,
    read_levels,
    response_rule,
)
from cerebro.actions.activation.errors import ActivationError
from cerebro.actions.activation.http import VendorUnavailable
from cerebro.actions.activation.log import (
    HELD_OUT,
    HOLD_OUT,
    NO_CONSENT,
    SKIP,
    LogRow,
    audience_history,
    open_log,
    utc_now,
)
from cerebro.actions.activation.members import SegmentMember, contacts_of, segment_members
from cerebro.actions.activation.power import HoldoutReading, holdout_reading
from cerebro.actions.activation.reconcile import Drift, check_list
from cerebro.actions.activation.rescue_offer import RescueAssumptions
from cerebro.actions.activation.sent_identifiers import Change
from cerebro.tenants import ActivationConfig, Tenant
from cerebro.warehouse import Warehouse

#: Answers buffered before they are written: a list destination answers in batches (up to
#: thousands at once), so its rows are written together, at most this many or this old. A
#: one-shot destination's answers are written one by one (a lost one would be sent twice).
FLUSH_ROWS = 500
FLUSH_SECONDS = 0.5
_DETAIL_CHARS = 500


def audience_name(tenant_id: str, segment: str) -> str:
    """What the vendor's UI shows for the audience, the same on every sync."""
    return f"Cerebro · {tenant_id} · {segment}"


@dataclass(frozen=True)
class Plan:
    """What one sync will do; a dry run prints it, a sync carries it out."""

    tenant_id: str
    segment: str
    destination: str
    consent: str
    one_shot: bool
    control_share: float
    members: int
    add: tuple[SegmentMember, ...]
    remove: tuple[SegmentMember, ...]
    held_out: tuple[SegmentMember, ...]
    no_consent: tuple[SegmentMember, ...]
    #: Target members the vendor already has (in the list, or sent before).
    unchanged: int = 0
    #: Target members the vendor refused before with the same identifier: not asked again.
    refused_before: int = 0
    #: Customer id -> the identifier hash logged for it (members leaving may be gone from the
    #: marts: then the one logged when they were added).
    identifiers: Mapping[str, str | None] = field(default_factory=dict)
    #: Target members the log says the vendor's list holds (``unchanged`` of them), with the
    #: hashes they were sent with: what a repair sends again (list destinations only).
    kept: tuple[SegmentMember, ...] = ()
    #: Whether the sync reads the vendor's list and repairs it whatever its size says.
    resync: bool = False
    #: What its control group can read (decision 0059); None without consented members.
    holdout: HoldoutReading | None = None
    #: A rescue's discount rule: assumed or measured response (decision 0064); None elsewhere.
    discount_rule: ResponseRule | None = None
    #: Members to add drawn on the 0 % arm of the discount experiment: logged held out.
    zero_arm: tuple[SegmentMember, ...] = ()

    @property
    def audience(self) -> Audience:
        return Audience(self.tenant_id, self.segment, audience_name(self.tenant_id, self.segment))


@dataclass
class SyncReport:
    """A plan and, unless it was a dry run, what the vendor answered."""

    plan: Plan
    dry_run: bool = False
    run_id: str | None = None
    sent: int = 0
    removed: int = 0
    refused: int = 0
    failed: int = 0
    calls: int | None = None
    seconds: float = 0.0
    #: The vendor's words for the first failed answer (a 400 on a whole batch says what it
    #: refused; a 5xx or throttling that outlasted the retries says that).
    first_failure: str | None = None
    #: Environment variables a real sync would need and that are not set (dry runs only).
    missing_secrets: list[str] = field(default_factory=list)
    #: Members sent again to a list the vendor had lost or emptied (action ``repair``).
    repaired: int = 0
    #: What the vendor's list looked like against the log, when it was read.
    drift: Drift | None = None


def activate(
    warehouse: Warehouse,
    tenant: Tenant,
    segment: str,
    destination_name: str,
    *,
    dry_run: bool = False,
    resync: bool = False,
    environ: Mapping[str, str] | None = None,
    destination: Destination | None = None,
    now: Callable[[], object] = utc_now,
    audience_reader: AudienceReader | None = None,
) -> SyncReport:
    """Sync ``segment`` of ``tenant`` to ``destination_name`` as its tenants-file entry says
    (settings, secrets, control share); with ``dry_run``, only plan. With ``resync`` a list
    destination's members are sent again whatever the vendor's list size says (a list
    destination reads its list on every sync and repairs it when missing or short anyway).
    ``destination`` replaces the configured client (tests); ``audience_reader`` reads the
    ids of a segment ``audiencia:<question>`` (default: the Metabase of ``METABASE_URL``).
    One-line ``ActivationError`` for what a user fixes."""
    environ = os.environ if environ is None else environ
    registry.check_name(destination_name)
    config = tenant.destinations.get(destination_name)
    if config is None:
        configured = ", ".join(sorted(tenant.destinations)) or "none"
        raise ActivationError(
            f"destination {destination_name!r} is not configured for tenant {tenant.tenant_id} "
            f"(configured: {configured}); add it under the tenant's destinations: in the "
            "tenants file"
        )
    share = next(
        (a.control_share for a in tenant.activations
         if (a.segment, a.destination) == (segment, destination_name)),
        ActivationConfig(segment, destination_name).control_share,
    )  # fmt: skip
    kind = destination if destination is not None else _destination_class(destination_name)
    rule = None
    if getattr(kind, "learns_discount", False):
        try:
            assumptions = RescueAssumptions.from_settings(config.settings.get("rescue"))
        except (TypeError, ValueError) as error:
            raise ActivationError(f"{destination_name}.settings.rescue: {error}") from None
        levels = read_levels(warehouse, tenant.tenant_id, destination_name, segment)
        rule = response_rule(assumptions, levels)
    plan = plan_sync(
        warehouse,
        tenant.tenant_id,
        segment,
        destination_name,
        consent=kind.consent,
        one_shot=kind.one_shot,
        control_share=share,
        today=now().date(),
        resync=resync,
        discount_rule=rule,
        audience_reader=audience_reader,
    )
    if dry_run:
        missing = registry.missing_secrets(config.secrets, environ)
        return SyncReport(plan, dry_run=True, missing_secrets=missing)
    if destination is None:
        try:
            destination = registry.build(
                tenant.tenant_id, destination_name, config.settings, config.secrets, environ
            )
        except DestinationError as error:
            raise ActivationError(f"{destination_name}: {error}; nothing was sent") from error
    if rule is not None and rule.is_measured:
        # The experiment has answered: the client decides with the measured response.
        destination = dataclasses.replace(destination, assumptions=rule.in_use)
    return run_sync(warehouse, plan, destination, now=now)


def _destination_class(name: str) -> type:
    try:
        return registry.destination_class(name)
    except (ImportError, LookupError) as error:
        raise ActivationError(f"the {name} client cannot be loaded ({error})") from error


def plan_sync(
    warehouse: Warehouse,
    tenant_id: str,
    segment: str,
    destination: str,
    *,
    consent: str,
    one_shot: bool,
    control_share: float,
    today: dt.date,
    resync: bool = False,
    discount_rule: ResponseRule | None = None,
    audience_reader: AudienceReader | None = None,
) -> Plan:
    """Compare the segment with what the log says the vendor has (see the module's doc). A
    one-shot message's members carry their rescue coupon still valid on ``today``."""
    members = segment_members(warehouse, tenant_id, segment, audience_reader=audience_reader)
    if one_shot and destination != COUPON_DESTINATION:
        members = _with_coupons(members, valid_coupons(warehouse, tenant_id, today))
    history = audience_history(warehouse, tenant_id, destination, segment)
    in_list, refused = _vendor_state(history, one_shot)
    held_out, no_consent, target = [], [], []
    for member in members:
        if not member.has_consent(consent):
            no_consent.append(member)
        elif is_held_out(tenant_id, member.customer_id, control_share):
            held_out.append(member)
        else:
            target.append(member)
    retried = [m for m in target if m.customer_id not in in_list]
    add = [m for m in retried if refused.get(m.customer_id, ()) != (m.identifier_for(consent),)]
    zero_arm = []
    if discount_rule is not None and not discount_rule.is_measured:
        # Decision 0064: the discount is drawn per member, stable for the activation.
        ladder, drawn = arms(discount_rule.assumptions), []
        for m in add:
            arm = discount_arm(tenant_id, destination, segment, m.customer_id, ladder)
            if arm == 0:
                zero_arm.append(m)
                continue
            attributes = {**m.member.attributes, ARM_ATTRIBUTE: arm}
            drawn.append(
                dataclasses.replace(m, member=dataclasses.replace(m.member, attributes=attributes))
            )
        add = drawn
    identifiers = {m.customer_id: m.identifier_for(consent) for m in members}
    leaving = set() if one_shot else in_list - {m.customer_id for m in target}
    sent = {} if one_shot else sent_identifiers.read(warehouse, tenant_id, destination, segment)
    remove = _leaving_members(warehouse, tenant_id, leaving, history, identifiers, consent)
    remove = [_with_sent(m, sent) for m in remove]
    kept = tuple(_with_sent(m, sent) for m in target if m.customer_id in in_list)
    return Plan(
        tenant_id=tenant_id,
        segment=segment,
        destination=destination,
        consent=consent,
        one_shot=one_shot,
        control_share=control_share,
        members=len(members),
        add=tuple(add),
        remove=tuple(remove),
        held_out=tuple(held_out),
        no_consent=tuple(no_consent),
        unchanged=len(target) - len(retried),
        refused_before=len(retried) - len(add),
        identifiers=identifiers,
        kept=kept,
        resync=resync,
        holdout=_holdout_reading([*held_out, *target], control_share),
        discount_rule=discount_rule,
        zero_arm=tuple(zero_arm),
    )


def _holdout_reading(consented: list[SegmentMember], control_share: float) -> HoldoutReading | None:
    """The power of the activation's control group over 30 days, on the members' own predicted
    chance to buy then: 1 - exp(-expected purchases), a purchase count's zero read as Poisson."""
    rates = [
        1 - math.exp(-float(expected))
        for m in consented
        if (expected := m.member.attributes.get("expected_purchases_30d")) is not None
        and not math.isnan(float(expected))
    ]
    if not rates:
        return None
    return holdout_reading(len(consented), sum(rates) / len(rates), control_share)


def _with_sent(member: SegmentMember, sent: Mapping[str, Mapping[str, str]]) -> SegmentMember:
    """The member with the hashes its list was sent, if any are kept."""
    hashes = sent.get(member.customer_id)
    if not hashes:
        return member
    return dataclasses.replace(member, member=dataclasses.replace(member.member, sent=hashes))


def _with_coupons(members: list[SegmentMember], coupons: dict[str, dict]) -> list[SegmentMember]:
    """Each member with its coupon's code and percent among its attributes, if it has one."""
    return [
        dataclasses.replace(
            m, member=dataclasses.replace(m.member, attributes={**m.member.attributes, **coupon})
        )
        if (coupon := coupons.get(m.customer_id))
        else m
        for m in members
    ]


def _vendor_state(history: pd.DataFrame, one_shot: bool) -> tuple[set[str], dict[str, tuple]]:
    """From the audience's logged answers (oldest first): who the vendor has (last accepted
    action an add; for one-shot, any accepted send), and who it refused on the last attempt
    (with the identifier it refused, as a 1-tuple so that a NULL identifier compares)."""
    answered = history[history["status"].isin([SENT, REFUSED])]
    accepted = answered[answered["status"] == SENT]
    if one_shot:
        in_list = set(accepted.loc[accepted["action"].isin([ADD, SEND]), "customer_id"])
    else:
        last = accepted.drop_duplicates("customer_id", keep="last")
        in_list = set(last.loc[last["action"].isin([ADD, REPAIR]), "customer_id"])
    attempts = answered[answered["action"].isin([ADD, SEND])]
    attempts = attempts.drop_duplicates("customer_id", keep="last")
    refused = attempts[attempts["status"] == REFUSED]
    return in_list, {
        row.customer_id: (None if pd.isna(row.identifier_sha256) else row.identifier_sha256,)
        for row in refused.itertuples(index=False)
    }


def _leaving_members(
    warehouse, tenant_id, leaving, history, identifiers, consent
) -> list[SegmentMember]:
    """Members to remove, with their contacts if the marts still have them (the vendor
    matches on them), else with the identifier logged when they were added."""
    found = contacts_of(warehouse, tenant_id, leaving)
    logged = history[history["customer_id"].isin(leaving)].drop_duplicates(
        "customer_id", keep="last"
    )
    for row in logged.itertuples(index=False):
        if row.customer_id not in found:
            identifiers[row.customer_id] = (
                None if pd.isna(row.identifier_sha256) else row.identifier_sha256
            )
    for customer_id, member in found.items():
        identifiers[customer_id] = member.identifier_for(consent)
    return [
        found.get(customer_id, SegmentMember(Member(customer_id)))
        for customer_id in sorted(leaving)
    ]


def run_sync(
    warehouse: Warehouse,
    plan: Plan,
    destination: Destination,
    *,
    now: Callable[[], object] = utc_now,
) -> SyncReport:
    """Log the plan's held-out and skipped members, send its changes, and log every answer
    as it arrives. A ``DestinationError`` (or a vendor that kept failing) stops the sync with
    one line; the answers received before it stay logged."""
    report = SyncReport(plan, run_id=f"{now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}")
    started, clock = now(), time.monotonic()
    calls_before = _calls(destination)
    asked = {(m.customer_id, ADD) for m in plan.add}
    asked |= {(m.customer_id, SEND) for m in plan.add}
    asked |= {(m.customer_id, REMOVE) for m in plan.remove}
    repair: tuple[SegmentMember, ...] = ()
    if not plan.one_shot:
        report.drift = check_list(destination, plan)
        repair = plan.kept if report.drift is not None and report.drift.repairs else ()
        asked |= {(m.customer_id, REPAIR) for m in repair}

    def row(customer_id, action, status, detail=None, vendor_ref=None) -> LogRow:
        return LogRow(
            report.run_id, plan.tenant_id, plan.destination, plan.segment, customer_id,
            plan.identifiers.get(customer_id), action, status, detail, vendor_ref, now(), started,
        )  # fmt: skip

    with open_log(warehouse) as log:
        control = f"control group, {plan.control_share:.0%} held out"
        no_consent = f"no {plan.consent} marketing consent"
        # One list for the whole run: `log.write` empties it once its rows are committed.
        buffer = [row(m.customer_id, HOLD_OUT, HELD_OUT, control) for m in plan.held_out]
        buffer += [row(m.customer_id, HOLD_OUT, HELD_OUT, ZERO_ARM_DETAIL) for m in plan.zero_arm]
        buffer += [row(m.customer_id, SKIP, NO_CONSENT, no_consent) for m in plan.no_consent]
        log.write(buffer)
        # Changes to ops.activation_identifiers, written with the rows of the same answers.
        changes: list[Change] = []
        flushed_at = time.monotonic()
        try:
            if plan.add or plan.remove or repair:
                add, remove = [m.member for m in plan.add], [m.member for m in plan.remove]
                answers = (
                    destination.sync(plan.audience, add, remove, repair=[m.member for m in repair])
                    if repair
                    else destination.sync(plan.audience, add, remove)
                )
                with contextlib.closing(answers):
                    for outcome in answers:
                        _check(outcome, asked, plan.destination)
                        _count(report, outcome)
                        buffer.append(
                            row(outcome.customer_id, outcome.action, outcome.status,
                                _one_line(outcome.detail), outcome.vendor_ref)
                        )  # fmt: skip
                        change = _change(outcome, plan.one_shot, now())
                        if change is not None:
                            changes.append(change)
                        if (
                            plan.one_shot
                            or len(buffer) >= FLUSH_ROWS
                            or time.monotonic() - flushed_at >= FLUSH_SECONDS
                        ):
                            log.write(buffer, changes)
                            flushed_at = time.monotonic()
        except (DestinationError, VendorUnavailable) as error:
            log.write(buffer, changes)
            answered = report.sent + report.removed + report.refused + report.failed
            raise ActivationError(
                f"{error} (sync stopped: {answered} answers before it are logged in "
                f"ops.activation_log, run {report.run_id}; the next sync completes it)"
            ) from error
        finally:
            # Ctrl-C, SIGTERM through the CLI, a bug: what the vendor accepted is logged.
            log.write(buffer, changes)
    report.calls = _delta(calls_before, _calls(destination))
    report.seconds = time.monotonic() - clock
    return report


def _check(outcome: Outcome, asked: set[tuple[str, str]], destination: str) -> None:
    """An answer for something this sync did not ask is a client bug: stop before logging it."""
    known_status = outcome.status in (SENT, REFUSED, FAILED)
    if not known_status or (outcome.customer_id, outcome.action) not in asked:
        raise ActivationError(
            f"{destination} answered {outcome.action!r} {outcome.status!r} for customer "
            f"{outcome.customer_id!r}, which this sync did not ask for: a bug in the "
            f"{destination} client; the answers before it are logged"
        )


def _change(outcome: Outcome, one_shot: bool, at: dt.datetime) -> Change | None:
    """What an accepted answer changes in the hashes kept for removal (list destinations)."""
    if one_shot or outcome.status != SENT:
        return None
    if outcome.action == REMOVE:
        return Change(outcome.customer_id, None, at)
    if outcome.sent:
        return Change(outcome.customer_id, outcome.sent, at)
    return None


def _count(report: SyncReport, outcome: Outcome) -> None:
    if outcome.status == SENT:
        if outcome.action == REMOVE:
            report.removed += 1
        elif outcome.action == REPAIR:
            report.repaired += 1
        else:
            report.sent += 1
    elif outcome.status == REFUSED:
        report.refused += 1
    else:
        report.failed += 1
        report.first_failure = report.first_failure or _one_line(outcome.detail)


def _one_line(detail: str | None) -> str | None:
    text = " ".join((detail or "").split())
    return text[:_DETAIL_CHARS] or None


def _calls(destination) -> int | None:
    """Requests the client made so far, if it counts them (``VendorHttp.calls``)."""
    for owner in (destination, getattr(destination, "http", None)):
        calls = getattr(owner, "calls", None)
        if isinstance(calls, int):
            return calls
    return None


def _delta(before: int | None, after: int | None) -> int | None:
    return None if before is None or after is None else after - before
