"""The rescue discount rule against figures worked by hand from the model in
``cerebro/actions/activation/rescue_offer.py`` (default assumptions: r_max 0.30, d_half 10 %, k 2,
margin 40 %, no cost per offer; so r(5 %) = 0.3 x 0.25 / 1.25 = 0.06, r(10 %) = 0.15,
r(15 %) = 0.3 x 2.25 / 3.25, r(20 %) = 0.3 x 4 / 5 = 0.24)."""

from __future__ import annotations

import pytest

from cerebro.actions.activation.rescue_offer import (
    NOT_WORTH_IT,
    RescueAssumptions,
    percent_text,
    rescue_offer,
)


def test_response_curve_hand_values():
    assumptions = RescueAssumptions()
    assert assumptions.response(0.05) == pytest.approx(0.06)
    assert assumptions.response(0.10) == pytest.approx(0.15)  # half of r_max at d_half
    assert assumptions.response(0.15) == pytest.approx(0.3 * 2.25 / 3.25)
    assert assumptions.response(0.20) == pytest.approx(0.24)
    # k = 1: no threshold, r(5 %) = 0.3 x 0.5 / 1.5
    assert RescueAssumptions(response_steepness=1).response(0.05) == pytest.approx(0.1)


def test_five_percent_loses_and_ten_percent_pays_worked_example():
    """p = 0.5, predicted 60 000 -> V = 120 000; next order S = 60 000.
    5 %: rescued 0.5 x 0.06 = 0.03, gain 0.4 x 0.03 x 120 000 = 1 440,
         cost 0.05 x 60 000 x (0.5 + 0.03) = 1 590 -> net -150.
    10 %: rescued 0.075, gain 3 600, cost 6 000 x 0.575 = 3 450 -> net +150: chosen."""
    offer = rescue_offer(
        {
            "p_alive": 0.5,
            "predicted_clv_12m": 60_000,
            "expected_spend_per_purchase_amount": 60_000,
        }
    )
    assert offer.discount == 0.10
    assert offer.value_if_retained == pytest.approx(120_000)
    five, ten = offer.steps[:2]
    assert (five.gain, five.cost, five.net) == pytest.approx((1_440, 1_590, -150))
    assert (ten.rescued, ten.redeemed) == pytest.approx((0.075, 0.575))
    assert (ten.gain, ten.cost, ten.net) == pytest.approx((3_600, 3_450, 150))
    assert offer.chosen == ten
    assert offer.reason == "10% rentable: ganancia esperada 3.600, costo esperado 3.450"


def test_smallest_paying_step_is_chosen_even_when_a_larger_one_earns_more():
    """p = 0.2, V = 100 000, S = 50 000. 5 %: rescued 0.048, gain 1 920, cost
    2 500 x 0.248 = 620 -> +1 300. 10 %: rescued 0.12, gain 4 800, cost 5 000 x 0.32 = 1 600
    -> +3 200, larger, but 5 % is the smallest discount worth giving."""
    offer = rescue_offer(
        {
            "p_alive": 0.2,
            "predicted_clv_12m": 20_000,
            "expected_spend_per_purchase_amount": 50_000,
        }
    )
    assert offer.discount == 0.05
    assert offer.steps[0].net == pytest.approx(1_300)
    assert offer.steps[1].net == pytest.approx(3_200)


def test_cost_per_offer_moves_the_choice_up_the_ladder():
    """The previous customer with a 1 500 message cost: 5 % nets 1 300 - 1 500 = -200,
    10 % nets 3 200 - 1 500 = 1 700."""
    offer = rescue_offer(
        {
            "p_alive": 0.2,
            "predicted_clv_12m": 20_000,
            "expected_spend_per_purchase_amount": 50_000,
        },
        RescueAssumptions(cost_per_offer=1_500),
    )
    assert offer.discount == 0.10
    assert [step.net for step in offer.steps[:2]] == pytest.approx([-200, 1_700])


def test_loyal_customer_gets_no_discount():
    """p = 0.9: the discount mostly subsidises orders that would happen anyway. V = 100 000,
    S = 50 000, 5 %: gain 0.4 x 0.006 x 100 000 = 240, cost 2 500 x 0.906 = 2 265."""
    offer = rescue_offer(
        {
            "p_alive": 0.9,
            "predicted_clv_12m": 90_000,
            "expected_spend_per_purchase_amount": 50_000,
        }
    )
    assert offer.discount is None
    assert offer.reason == NOT_WORTH_IT == "sin descuento rentable"
    assert (offer.steps[0].gain, offer.steps[0].cost) == pytest.approx((240, 2_265))
    assert all(step.net <= 0 for step in offer.steps)


def test_order_value_from_predicted_value_and_purchases_when_spend_is_absent():
    """73 000 over 0.5 x 365 / 90 purchases a year -> 36 000 per order."""
    offer = rescue_offer(
        {"p_alive": 0.5, "predicted_clv_12m": 73_000, "expected_purchases_90d": 0.5}
    )
    assert offer.order_value == pytest.approx(36_000)


def test_value_if_retained_given_by_the_brain_is_used_as_is():
    offer = rescue_offer(
        {
            "p_alive": 0.5,
            "predicted_clv_12m": 60_000,
            "clv_if_retained_12m": 150_000,
            "expected_spend_per_purchase_amount": 60_000,
        }
    )
    assert offer.value_if_retained == 150_000
    assert offer.steps[0].gain == pytest.approx(0.4 * 0.03 * 150_000)


@pytest.mark.parametrize(
    ("attributes", "reason"),
    [
        ({}, "sin predicción de valor (p_alive, predicted_clv_12m)"),
        ({"p_alive": "n/a", "predicted_clv_12m": 1}, "sin predicción de valor"),
        ({"p_alive": 1.5, "predicted_clv_12m": 1}, "sin predicción de valor"),
        ({"p_alive": 0.0, "predicted_clv_12m": 0}, "sin valor futuro (p_alive = 0)"),
        ({"p_alive": 0.5, "predicted_clv_12m": 10}, "sin valor esperado del próximo pedido"),
    ],
)
def test_missing_or_unusable_predictions_give_no_discount_with_the_reason(attributes, reason):
    offer = rescue_offer(attributes)
    assert offer.discount is None
    assert offer.reason.startswith(reason)


def test_assumptions_are_checked_and_read_from_settings():
    assert RescueAssumptions.from_settings({"ladder": [0.1, 0.25], "gross_margin": 0.3}) == (
        RescueAssumptions(ladder=(0.1, 0.25), gross_margin=0.3)
    )
    with pytest.raises(ValueError, match="increasing"):
        RescueAssumptions(ladder=(0.1, 0.05))
    with pytest.raises(ValueError, match="between 0 and 1"):
        RescueAssumptions(ladder=(5, 10))
    with pytest.raises(ValueError, match="unknown rescue setting"):
        RescueAssumptions.from_settings({"margin": 0.3})
    with pytest.raises(ValueError, match="gross_margin"):
        RescueAssumptions(gross_margin=0)


def test_percent_text_is_spanish():
    assert percent_text(0.1) == "10%"
    assert percent_text(0.125) == "12,5%"
