"""Learning the rescue discount: randomise it over the ladder, then read the measured response.

Until the response to each discount is measured, a rescue (``shopify_coupons``) randomises the
discount of its treated members over the ladder with a 0 % arm: 0, 5, 10, 15, 20 % by default
(decision 0064). A member's arm depends only on the activation (tenant, destination, segment)
and the customer, as the control group does (``control.py``): SHA-256 of
"<tenant>:<destination>:<segment>:discount:<customer>", its first 64 bits read as a position in
[0, 1), cut into equal arms. So every re-sync gives a member the same arm, and the arm is
independent of the control draw (another hash input). The 0 % arm gets no coupon and is logged
held out, beside the random control: the uplift mart compares every coupon with every member
who got none, and ``mart_activation_discount_response`` each discount with them.

The rule (``rescue_offer``) then uses the *measured* response r(d) of the latest complete
rescue of the same segment, at ``HORIZON_DAYS``, once it is distinguishable: every step of the
ladder has a measurement whose interval (the mart's own, 90 %) excludes zero (the 0 % arm's
response) or excludes the assumed r(d). Until then it keeps the assumed curve and says so.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass

from cerebro.actions.activation.rescue_offer import RescueAssumptions, percent_text
from cerebro.formatting import format_percent
from cerebro.warehouse import Warehouse

#: The member attribute carrying the discount arm the plan drew (a fraction; 0 is no coupon).
ARM_ATTRIBUTE = "rescue_discount"
#: The horizon the rule reads: the first after a coupon's days (var activation_uplift_horizon_days).
HORIZON_DAYS = 30
#: What the log says of a member on the 0 % arm.
ZERO_ARM_DETAIL = "discount arm 0%, no coupon"
MART = "marts.mart_activation_discount_response"
_SCALE = float(2**64)


def arms(assumptions: RescueAssumptions) -> tuple[float, ...]:
    """The arms a rescue randomises over: no coupon, then the ladder."""
    return (0.0, *assumptions.ladder)


def discount_arm(
    tenant_id: str, destination: str, segment: str, customer_id: str, ladder: Sequence[float]
) -> float:
    """The member's arm of ``ladder``: stable for the activation, uniform over its steps."""
    seed = f"{tenant_id}:{destination}:{segment}:discount:{customer_id}"
    position = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big") / _SCALE
    return ladder[min(int(position * len(ladder)), len(ladder) - 1)]


@dataclass(frozen=True)
class LevelReading:
    """The measured response to one discount, with the mart's interval."""

    discount: float
    response: float
    lower: float
    upper: float
    customers: int


@dataclass(frozen=True)
class ResponseRule:
    """Which response the rescue rule uses, and why (``sentence``)."""

    assumptions: RescueAssumptions
    readings: tuple[LevelReading, ...] = ()
    #: Ladder steps whose interval holds both zero and the assumed response.
    undistinguished: tuple[float, ...] = ()

    @property
    def is_measured(self) -> bool:
        return bool(self.readings) and not self.undistinguished

    @property
    def in_use(self) -> RescueAssumptions:
        """The assumptions the rule decides with: the measured response when distinguishable."""
        if not self.is_measured:
            return self.assumptions
        measured = tuple((r.discount, max(r.response, 0.0)) for r in self.readings)
        return dataclasses.replace(self.assumptions, measured_response=measured)

    def sentence(self) -> str:
        """One line, in Spanish, for the dry run, the sync's output and the Acciones page."""
        if self.is_measured:
            steps = ", ".join(
                f"{percent_text(r.discount)}: {_pct(r.response)} (IC 90%: {_pct(r.lower)} a "
                f"{_pct(r.upper)})"
                for r in self.readings
            )
            return f"descuento de rescate: usa la respuesta medida ({steps})"
        if not self.readings:
            why = "aún no hay un rescate con descuentos al azar medido"
        else:
            steps = ", ".join(percent_text(d) for d in self.undistinguished)
            why = f"la medición aún no distingue {steps} de 0 ni de la respuesta supuesta"
        return (
            f"descuento de rescate: usa la respuesta supuesta ({why}); el descuento se sortea "
            f"entre {', '.join(percent_text(d) for d in arms(self.assumptions))}"
        )


def response_rule(assumptions: RescueAssumptions, readings: Sequence[LevelReading]) -> ResponseRule:
    """The rule for ``assumptions`` given the measured ``readings`` (module docstring)."""
    by_discount = {round(r.discount, 6): r for r in readings}
    undistinguished = []
    for step in assumptions.ladder:
        reading = by_discount.get(round(step, 6))
        assumed = assumptions.response(step)
        if reading is None or (
            reading.lower <= 0 <= reading.upper and reading.lower <= assumed <= reading.upper
        ):
            undistinguished.append(step)
    kept = tuple(by_discount[round(s, 6)] for s in assumptions.ladder if round(s, 6) in by_discount)
    return ResponseRule(assumptions, kept, tuple(undistinguished))


def read_levels(
    warehouse: Warehouse, tenant_id: str, destination: str, segment: str,
    horizon_days: int = HORIZON_DAYS,
) -> tuple[LevelReading, ...]:  # fmt: skip
    """The measured response per discount of the latest complete randomised rescue."""
    if not warehouse.table_exists(*MART.split(".")):
        return ()
    rows = warehouse.query(
        f"select run_id, run_started_at, discount, response, response_lower, response_upper, "
        f"treated_customers from {MART} where tenant_id = %(tenant_id)s "
        "and destination = %(destination)s and segment = %(segment)s "
        "and horizon_days = %(horizon)s and is_complete and response is not null "
        "order by run_started_at desc, run_id desc, discount",
        {"tenant_id": tenant_id, "destination": destination, "segment": segment,
         "horizon": horizon_days},
    )  # fmt: skip
    if rows.empty:
        return ()
    latest = rows[rows["run_id"] == rows["run_id"].iloc[0]]
    return tuple(
        LevelReading(float(r.discount), float(r.response), float(r.response_lower),
                     float(r.response_upper), int(r.treated_customers))
        for r in latest.itertuples(index=False)
        if all(math.isfinite(float(v)) for v in (r.response, r.response_lower, r.response_upper))
    )  # fmt: skip


def _pct(value: float) -> str:
    return format_percent(value, 1)
