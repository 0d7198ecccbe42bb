"""A rescue sync draws each treated member's discount over the ladder (decision 0064), on a
crafted DuckDB warehouse against an in-memory one-shot vendor that learns its discount.

Oracles: the documented draw recomputed by hand (SHA-256 of
"tenant:destination:segment:discount:customer", equal fifths of [0, 1) for 0, 5, 10, 15, 20 %),
the control rule of control.py, and the vendor's own record of what it was asked.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from typing import ClassVar

import pandas as pd

from cerebro.actions.activation.discount_experiment import ARM_ATTRIBUTE, MART, ZERO_ARM_DETAIL
from cerebro.actions.activation.rescue_offer import RescueAssumptions
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
    """A one-shot vendor that, like shopify_coupons, lets the sync draw its discounts and
    decides with the rule's assumptions otherwise."""

    learns_discount: ClassVar[bool] = True
    assumptions: RescueAssumptions = dataclasses.field(default_factory=RescueAssumptions)


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


def _measured(intervals: dict[float, tuple[float, float]], complete: bool = True) -> pd.DataFrame:
    """Rows of the per-discount mart for one finished randomised rescue at 30 days."""
    return pd.DataFrame([
        {"tenant_id": TENANT, "destination": "klaviyo", "segment": SEGMENT, "run_id": "r0",
         "run_started_at": dt.datetime(2026, 9, 1, 13), "horizon_days": 30, "discount": d,
         "response": (lo + hi) / 2, "response_lower": lo, "response_upper": hi,
         "treated_customers": 500, "is_complete": complete}
        for d, (lo, hi) in intervals.items()
    ])  # fmt: skip


def test_once_every_step_is_distinguishable_the_sync_stops_drawing_and_decides_measured(
    warehouse, tenant
):
    people = customers(120)
    write_marts(warehouse, people)
    schema, table = MART.split(".")
    clear = {0.05: (0.10, 0.16), 0.10: (0.16, 0.22), 0.15: (0.18, 0.24), 0.20: (0.19, 0.25)}
    # Not complete yet: the rule still assumes, and draws.
    warehouse.replace_table(schema, table, _measured(clear, complete=False))
    assert activate(warehouse, tenant, SEGMENT, "klaviyo", destination=FakeRescue(),
                    dry_run=True).plan.zero_arm  # fmt: skip
    warehouse.replace_table(schema, table, _measured(clear))
    vendor = VendorState()
    client = FakeRescue(vendor, one_shot=True)
    report = activate(warehouse, tenant, SEGMENT, "klaviyo", destination=client)
    assert report.plan.zero_arm == () and report.plan.discount_rule.is_measured
    assert vendor.members_seen and all(
        ARM_ATTRIBUTE not in m.attributes for m in vendor.members_seen
    )
    assert "descuento de rescate: usa la respuesta medida (5%: 13,0%" in render_report(report)
