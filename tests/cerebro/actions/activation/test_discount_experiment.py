"""The discount experiment's draw and rule switch (decision 0064).

Oracles: the draw's definition (SHA-256 positions are uniform: each of five arms holds a
binomial fifth, checked to four standard deviations; independent of the control draw: the arm
shares among the held out are the same fifths), and the switch's definition written out per
case: a step whose interval holds both 0 and the assumed r(d) keeps the assumed curve.
"""

from __future__ import annotations

import math

from cerebro.actions.activation.control import is_held_out
from cerebro.actions.activation.discount_experiment import (
    LevelReading,
    arms,
    discount_arm,
    response_rule,
)
from cerebro.actions.activation.rescue_offer import RescueAssumptions

ASSUMED = RescueAssumptions()
LADDER = arms(ASSUMED)


def test_arms_are_stable_uniform_and_independent_of_the_control_draw():
    ids = [str(n) for n in range(20_000)]
    drawn = [discount_arm("t", "shopify_coupons", "Hibernando", c, LADDER) for c in ids]
    assert drawn == [discount_arm("t", "shopify_coupons", "Hibernando", c, LADDER) for c in ids]
    assert LADDER == (0.0, 0.05, 0.10, 0.15, 0.20)
    held = [a for a, c in zip(drawn, ids, strict=True) if is_held_out("t", c, 0.3)]
    for group in (drawn, held):
        spread = 4 * math.sqrt(len(group) * 0.2 * 0.8)
        for arm in LADDER:
            assert abs(group.count(arm) - len(group) / 5) <= spread, (arm, len(group))
    other = [discount_arm("t", "shopify_coupons", "Campeones", c, LADDER) for c in ids]
    assert sum(a == b for a, b in zip(drawn, other, strict=True)) < 0.25 * len(ids)


def _readings(intervals):
    return [LevelReading(d, (lo + hi) / 2, lo, hi, 1000) for d, (lo, hi) in intervals.items()]


def test_the_rule_keeps_the_assumed_curve_until_every_step_is_distinguishable():
    none = response_rule(ASSUMED, [])
    assert not none.is_measured and none.in_use is ASSUMED
    assert none.sentence() == (
        "descuento de rescate: usa la respuesta supuesta (aún no hay un rescate con descuentos "
        "al azar medido); el descuento se sortea entre 0%, 5%, 10%, 15%, 20%"
    )
    # 5 %: [-0.02, 0.10] holds 0 and the assumed 0.06: not distinguishable.
    wide = {0.05: (-0.02, 0.10), 0.10: (0.05, 0.12), 0.15: (0.10, 0.30), 0.20: (0.2, 0.3)}
    partial = response_rule(ASSUMED, _readings(wide))
    assert not partial.is_measured and partial.undistinguished == (0.05,)
    assert "no distingue 5% de 0 ni de la respuesta supuesta" in partial.sentence()
    # Every step clear of 0 (5 %, 15 %, 20 %) or of the assumed value (10 %: 0.15 > 0.03);
    # 10 %'s estimate, -0.01, is read as no response.
    clear = {**wide, 0.05: (0.08, 0.12), 0.10: (-0.05, 0.03)}
    measured = response_rule(ASSUMED, _readings(clear))
    assert measured.is_measured
    assert measured.in_use.response(0.05) == 0.10 and measured.in_use.response(0.10) == 0.0
    assert measured.sentence().startswith("descuento de rescate: usa la respuesta medida (5%: ")


def test_a_missing_step_keeps_the_assumed_curve():
    three = {0.05: (0.08, 0.12), 0.10: (0.2, 0.3), 0.15: (0.2, 0.3)}
    rule = response_rule(ASSUMED, _readings(three))
    assert not rule.is_measured and rule.undistinguished == (0.20,)
