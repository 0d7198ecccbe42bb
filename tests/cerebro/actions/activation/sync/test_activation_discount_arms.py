"""A rescue sync draws each treated member's discount over the ladder (decision 0064), on a
crafted DuckDB warehouse against an in-memory one-shot vendor that learns its discount.

Oracles: the documented draw recomputed by hand (SHA-256 of
"tenant:destination:segment:discount:customer", equal fifths of [0, 1) for 0, 5, 10, 15, 20 %),
the control rule of control.py, and the vendor's own record of what it was asked.
"""

from __future__ import annotations

import dataclasses
import hashlib
from typing import ClassVar

from cerebro.actions.activation.discount_experiment import ARM_ATTRIBUTE, ZERO_ARM_DETAIL
from cerebro.actions.activation.sync import activate
from cerebro.cli.activation import render_report
from tests.cerebro.actions.activation.sync.activation_crafted_marts import (
    TENANT,
    customers,
    expected_list,
    write_marts,
)
from tests.cerebro.actions.activation.sync.activation_fake_list import FakeList, VendorState

SEGMENT = "Frecuentes alejados"


@dataclasses.dataclass
class FakeRescue(FakeList):
    """A one-shot vendor that, like shopify_coupons, lets the sync draw its discounts."""

    learns_discount: ClassVar[bool] = True


def _arm_by_hand(customer_id: str) -> float:
    seed = f"{TENANT}:klaviyo:{SEGMENT}:discount:{customer_id}".encode()
    position = int.from_bytes(hashlib.sha256(seed).digest()[:8], "big") / 2**64
    return (0.0, 0.05, 0.10, 0.15, 0.20)[int(position * 5)]


def test_treated_members_get_their_drawn_discount_and_the_zero_arm_is_held_out(warehouse, tenant):
    people = customers(300)
    write_marts(warehouse, people)
    treated = set(expected_list(people))
    vendor = VendorState()
    report = activate(
        warehouse, tenant, SEGMENT, "klaviyo", destination=FakeRescue(vendor, one_shot=True)
    )
    seen = {m.customer_id: m.attributes[ARM_ATTRIBUTE] for m in vendor.members_seen}
    zero = {c for c in treated if _arm_by_hand(c) == 0.0}
    assert seen == {c: _arm_by_hand(c) for c in treated - zero}
    assert {m.customer_id for m in report.plan.zero_arm} == zero and zero
    log = warehouse.query("select customer_id, action, detail from ops.activation_log")
    zero_rows = log[log["detail"] == ZERO_ARM_DETAIL]
    assert set(zero_rows["customer_id"]) == zero and set(zero_rows["action"]) == {"hold_out"}
    text = render_report(report)
    assert "0 % arm (no coupon, held out): " + str(len(zero)) in text
    assert "descuento de rescate: usa la respuesta supuesta (aún no hay un rescate" in text


def test_a_resync_draws_the_same_arms(warehouse, tenant):
    """A dry run draws what the sync then sends; the sync after it sends no one again and
    draws the 0 % arm again for the same members (logged held out once more, as the control
    is)."""
    people = customers(120)
    write_marts(warehouse, people)

    def sync(**options):
        client = FakeRescue(VendorState(), one_shot=True)
        return activate(warehouse, tenant, SEGMENT, "klaviyo", destination=client, **options)

    planned = sync(dry_run=True).plan
    first, again = sync().plan, sync().plan
    arms = [(m.customer_id, m.member.attributes[ARM_ATTRIBUTE]) for m in planned.add]
    assert arms == [(m.customer_id, m.member.attributes[ARM_ATTRIBUTE]) for m in first.add]
    assert planned.zero_arm == first.zero_arm == again.zero_arm and first.zero_arm
    assert again.add == ()
