"""A scalar's change against the previous period: rates in percentage points (as the scheduled
reports), other metrics relative, each coloured by whether the change is good news for that
metric (the spec's higher_is_better). Oracles are worked by hand in the test names."""

from __future__ import annotations

import pytest

from cerebro.serving.dashboards.spec import load_dashboards
from cerebro.serving.dashboards.trend import trend


def test_a_fall_in_cancellations_is_good_news_in_percentage_points():
    change = trend(0.057, 0.036, "percent", "CLP", higher_is_better=False)
    assert (change.text, change.direction, change.tone) == ("▼ 2,1 pp", "down", "good")


def test_a_fall_in_new_users_is_bad_news_relative_to_the_previous_period():
    change = trend(35, 34, "integer", "CLP", higher_is_better=True)
    assert (change.text, change.direction, change.tone) == ("▼ 2,9%", "down", "bad")


def test_a_longer_service_cycle_is_bad_news():
    change = trend(41.2, 43.26, "hours", "CLP", higher_is_better=False)
    assert (change.text, change.direction, change.tone) == ("▲ 5,0%", "up", "bad")


def test_points_follow_the_tenant_locale_and_a_rise_from_zero_has_a_size():
    assert trend(0.0, 0.05, "percent", "PEN", higher_is_better=True).text == "▲ 5.0 pp"
    assert trend(0.0, 12, "integer", "PEN", higher_is_better=True).text is None


@pytest.mark.parametrize(
    ("previous", "current"), [(0.2, 0.2), (0.2, 0.20004), (None, 0.2), (0.2, None)]
)
def test_no_change_or_nothing_to_compare_is_neutral(previous, current):
    change = trend(previous, current, "percent", "CLP", higher_is_better=True)
    assert change.tone == "" and change.direction == "flat"
    assert change.text in (None, "= 0,0 pp")


def test_a_spec_that_does_not_say_leaves_the_change_uncoloured():
    assert trend(10, 20, "integer", "CLP", higher_is_better=None).tone == ""


def test_every_compared_scalar_of_the_product_says_which_way_is_good():
    compared = [c for d in load_dashboards() for c in d.cards if c.comparison]
    assert len(compared) >= 11
    lower_is_better = {c.key for c in compared if c.higher_is_better is False}
    assert lower_is_better == {
        "tasa_abandono_carrito", "tiempo_ciclo_servicio", "tasa_cancelacion",
    }  # fmt: skip
    assert all(c.higher_is_better is True for c in compared if c.key not in lower_is_better)
