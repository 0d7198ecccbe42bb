"""How large a control group must be to read an activation: two-proportion power.

The uplift mart reads an activation with a two-sided normal interval of the purchase-rate
difference, treated - control, with the unpooled standard error at the observed rates (dbt var
``activation_uplift_interval``: 90 %, z = 1.645; decision 0023). An activation is *readable*
for an effect δ when a true δ puts that interval clear of zero with probability ``power``
(80 %): with base rate p over the horizon, n₀ held out and n₁ treated at p + δ, the estimate
is about normal with that same standard error SE(δ) = sqrt(p (1 - p) / n₀ + (p + δ)(1 - p - δ)
/ n₁), so power = Φ(δ / SE(δ) - z_interval), and the minimum detectable effect solves
δ = k · SE(δ), k = z_interval + z_power. Squared, that is the quadratic

    (1 + k²/n₁) δ² - k² (1 - 2p)/n₁ · δ - k² p (1 - p) (1/n₀ + 1/n₁) = 0,

whose positive root is the MDE the uplift mart reports beside each estimate (the textbook
form with the base variance on both sides, Fleiss, Levin & Paik 2003, §4.2, is this with δ's
own variance left out; it promises 80 % where the mart's interval gives about 76 %). For N
consented members the MDE is smallest near a held-out share of ½: the smallest share reading δ
is found by bisection, and when even half cannot read δ the activation cannot be measured at
that size (say so, or pool activations of the same kind).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: The interval the uplift mart reports (var activation_uplift_interval) and the power asked.
Z_INTERVAL = 1.645
POWER = 0.80
#: The effect a rescue should be able to show by default: 5 points of purchase rate.
DEFAULT_EFFECT = 0.05


def z_of(probability: float) -> float:
    """The standard normal quantile (the power's z: 0.8 -> 0.8416)."""
    from statistics import NormalDist

    return NormalDist().inv_cdf(probability)


def minimum_detectable_effect(
    base_rate: float, treated: float, control: float, *, z_interval: float = Z_INTERVAL,
    power: float = POWER,
) -> float | None:  # fmt: skip
    """The smallest true uplift of the purchase rate read with ``power`` (None without a side)."""
    if treated <= 0 or control <= 0:
        return None
    k2 = (z_interval + z_of(power)) ** 2
    a = 1 + k2 / treated
    b = k2 * (1 - 2 * base_rate) / treated
    c = k2 * base_rate * (1 - base_rate) * (1 / control + 1 / treated)
    return (b + math.sqrt(b * b + 4 * a * c)) / (2 * a)


def required_control_share(
    base_rate: float, members: int, effect: float, *, z_interval: float = Z_INTERVAL,
    power: float = POWER,
) -> float | None:  # fmt: skip
    """The smallest held-out share of ``members`` that reads ``effect``; None when even half
    cannot (the activation cannot be measured at that size)."""

    def mde(share: float) -> float:
        control = members * share
        return minimum_detectable_effect(
            base_rate, members - control, control, z_interval=z_interval, power=power
        )

    if members < 2 or effect <= 0 or mde(0.5) > effect:
        return None
    low, high = 0.0, 0.5  # mde(high) <= effect throughout; mde falls as the share grows
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if mde(middle) > effect else (low, middle)
    return high


@dataclass(frozen=True)
class HoldoutReading:
    """Whether an activation of ``members`` consented customers holding out ``control_share``
    can read ``effect`` at ``base_rate`` over the horizon."""

    members: int
    base_rate: float
    horizon_days: int
    control_share: float
    effect: float
    mde: float | None
    required_share: float | None

    @property
    def is_readable(self) -> bool:
        return self.mde is not None and self.mde <= self.effect

    def sentence(self) -> str:
        """One line for the sync's output (English, as the CLI speaks)."""
        head = (
            f"power: base purchase rate {self.base_rate:.1%} in {self.horizon_days} days, "
            f"{self.members} consented members, {self.control_share:.0%} held out"
        )
        mde = "no effect" if self.mde is None else f"{self.mde * 100:.1f} points"
        if self.is_readable:
            return f"{head}: reads an uplift of {mde} or more ({POWER:.0%} power)"
        if self.required_share is None:
            return (
                f"{head}: reads only {mde}; even half held out cannot read "
                f"{self.effect * 100:.0f} points: this activation cannot be measured at this size"
            )
        return (
            f"{head}: reads only {mde}; to read {self.effect * 100:.0f} points hold out "
            f"{math.ceil(self.required_share * 100)} % (control_share: "
            f"{math.ceil(self.required_share * 100) / 100:.2f})"
        )


def holdout_reading(
    members: int, base_rate: float, control_share: float, *, horizon_days: int = 30,
    effect: float = DEFAULT_EFFECT,
) -> HoldoutReading:  # fmt: skip
    """The reading of an activation before its first sync (see the module's formula)."""
    control = round(members * control_share)
    return HoldoutReading(
        members=members,
        base_rate=base_rate,
        horizon_days=horizon_days,
        control_share=control_share,
        effect=effect,
        mde=minimum_detectable_effect(base_rate, members - control, control),
        required_share=required_control_share(base_rate, members, effect),
    )
