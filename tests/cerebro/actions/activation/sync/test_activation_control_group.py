"""The control group's assignment (``cerebro.actions.activation.control``).

Oracles: the documented rule recomputed with hashlib, and the binomial distribution: over n
customers the number held out at share p has mean np and standard deviation sqrt(np(1-p)); a
count more than 5 standard deviations away has probability below 1e-6.
"""

from __future__ import annotations

import hashlib
import math

import pytest

from cerebro.actions.activation.control import control_position, is_held_out


def test_position_is_the_first_eight_bytes_of_the_sha256_of_tenant_and_customer():
    digest = hashlib.sha256(b"casafacil_cl:6200010001647").digest()
    assert (
        control_position("casafacil_cl", "6200010001647")
        == int.from_bytes(digest[:8], "big") / 2**64
    )


@pytest.mark.parametrize("share", [0.05, 0.10, 0.25])
def test_share_held_out_is_within_binomial_bounds(share):
    n = 20_000
    held = sum(is_held_out("casafacil_cl", str(6_200_010_000_000 + i), share) for i in range(n))
    mean, sd = n * share, math.sqrt(n * share * (1 - share))
    assert abs(held - mean) < 5 * sd, (held, mean, sd)


def test_assignment_depends_on_tenant_and_customer_only_and_nests_by_share():
    ids = [f"c{i}" for i in range(5000)]
    ten = {c for c in ids if is_held_out("tienda_cl", c, 0.10)}
    assert ten == {c for c in ids if is_held_out("tienda_cl", c, 0.10)}  # same on every call
    assert {c for c in ids if is_held_out("tienda_cl", c, 0.05)} < ten  # a smaller share nests
    other_tenant = {c for c in ids if is_held_out("tienda_pe", c, 0.10)}
    assert len(ten & other_tenant) < len(ten) / 3  # another tenant draws its own group
    assert not any(is_held_out("tienda_cl", c, 0.0) for c in ids)
