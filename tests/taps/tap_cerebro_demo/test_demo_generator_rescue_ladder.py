"""The demo's past rescue randomises its discount over the ladder (decision 0064).

Oracles: the experiment's own definition (rescue.py's module docstring). The treated draw a
ladder step uniformly, the log says each member's step as the sync writes it (a coupon's
"<percent>% hasta <day>", the 0 % arm held out without a coupon), the true response per step
is the documented monotone, concave curve, and each rescued order was placed by a member who
got a coupon and carries that coupon's discount. Nothing else in the store moves: every row of
every stream the generator writes without the experiment is there, unchanged, with it.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from tap_cerebro_demo.generator import dataset as dataset_module
from tap_cerebro_demo.generator.rescue import LADDER_PERCENT, RESPONSE_BY_PERCENT

from .conftest import SMALL_TENANTS

#: A tenant large enough that every step of the ladder has members (the session's small
#: tenants hold a few dozen).
SETTINGS = dataclasses.replace(SMALL_TENANTS["cl_services"], customers=6000, seed=11)


@pytest.fixture(scope="module")
def with_rescue():
    return dataset_module.generate(SETTINGS)


@pytest.fixture(scope="module")
def without_rescue():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(dataset_module, "simulate_rescue", lambda *args: None)
        return dataset_module.generate(SETTINGS)


def test_the_rescue_appends_rows_and_leaves_every_other_row_unchanged(with_rescue, without_rescue):
    appended = 0
    for name, before in without_rescue.streams.items():
        after = with_rescue.streams[name]
        assert len(after) >= len(before), name
        pd.testing.assert_frame_equal(
            after.iloc[: len(before)].reset_index(drop=True),
            before.reset_index(drop=True),
            obj=name,
        )
        appended += len(after) - len(before)
    rescued = with_rescue.truth["rescue_experiment"]["rescued_orders"]
    assert rescued > 0
    assert len(with_rescue.streams["orders"]) - len(without_rescue.streams["orders"]) == rescued
    assert appended > rescued  # with their lines, payments, fulfilments and checkouts


def test_the_true_response_is_monotone_concave_and_documented(with_rescue):
    truth = with_rescue.truth["rescue_experiment"]
    assert truth["ladder_percent"] == list(LADDER_PERCENT) == [0, 5, 10, 15, 20]
    curve = [truth["response_by_discount"][str(p)] for p in LADDER_PERCENT]
    assert curve == [RESPONSE_BY_PERCENT[p] for p in LADDER_PERCENT]
    steps = np.diff(curve)
    assert curve[0] == 0 and (steps > 0).all() and (np.diff(steps) < 0).all()
    for horizon in truth["horizons"].values():
        by_discount = [horizon["uplift_truth_by_discount"][str(p)] for p in LADDER_PERCENT]
        assert by_discount[0] == 0 and (np.diff(by_discount) >= 0).all()
        assert horizon["uplift_truth"] == pytest.approx(np.mean(by_discount[1:]), abs=1e-6)


def test_the_log_says_each_members_step_and_the_steps_are_drawn_uniformly(with_rescue):
    truth = with_rescue.truth["rescue_experiment"]
    log = with_rescue.activation_log
    consented = log[log["action"] != "skip"]
    sent = consented[consented["action"] == "send"]
    percent = sent["detail"].str.extract(r"^(\d+)% hasta \d{4}-\d{2}-\d{2}$")[0].astype(int)
    assert set(percent) == set(LADDER_PERCENT) - {0}
    assert (sent["status"] == "sent").all() and sent["vendor_ref"].notna().all()
    held = consented[consented["action"] == "hold_out"]
    assert (held["status"] == "held_out").all() and held["vendor_ref"].isna().all()
    zero_arm = held["detail"] == "discount arm 0%, no coupon"
    assert len(held) - zero_arm.sum() == truth["held_out_customers"]
    counts = {p: int((percent == p).sum()) for p in LADDER_PERCENT if p}
    counts[0] = int(zero_arm.sum())
    treated = sum(counts.values())
    assert treated == len(consented) - truth["held_out_customers"]
    assert truth["treated_customers"] == len(sent)
    assert truth["control_customers"] == len(held)
    # Five equally likely steps: each count is binomial(treated, 1/5); 4 standard deviations.
    spread = 4 * np.sqrt(treated * 0.2 * 0.8)
    for p, count in counts.items():
        assert abs(count - treated / 5) <= spread, (p, counts)


def test_each_rescued_order_carries_its_members_coupon(with_rescue, without_rescue):
    log = with_rescue.activation_log
    sent = log[log["action"] == "send"]
    orders = with_rescue.streams["orders"].iloc[len(without_rescue.streams["orders"]) :]
    assert set(orders["customer_id"].astype(str)) <= set(sent["customer_id"].astype(str))
