"""The rescue discount: the smallest discount worth giving one customer, and the numbers behind it.

A small expected-value model over the customer brain's 12-month horizon. For one customer:

- ``p``: the probability the customer is still alive (``p_alive``);
- ``V``: the value of the next 12 months *if the customer is retained*,
  ``predicted_clv_12m / p`` (the brain's ``clv_if_retained_12m``, used when given);
- ``S``: the value of the next order, ``expected_spend_per_purchase_amount`` when given, else
  ``predicted_clv_12m`` divided by the purchases expected in 12 months, approximated as
  ``expected_purchases_90d`` x 365 / 90;
- ``r(d)``: the *assumed* response, the share of the customers who would otherwise be lost
  that an offer of discount ``d`` brings back. A Hill curve,
  ``r(d) = r_max d^k / (d^k + d_half^k)``: small discounts move few customers, the response
  is half its maximum at ``d_half`` and never exceeds ``r_max``;
- ``m``: the gross margin, the share of revenue that is profit; ``c``: a cost per offer sent.

With the offer the probability of keeping the customer rises from ``p`` to
``p + (1 - p) r(d)``, and

    gain(d) = m (1 - p) r(d) V                  margin on the future value retained
    cost(d) = d S (p + (1 - p) r(d)) + c        the discount on the next order of everyone who
                                                uses it: the customers who would have bought
                                                anyway (p, a deliberate overestimate: all of
                                                them) and the rescued ones
    net(d)  = gain(d) - cost(d)

The rule gives the smallest step of the ladder (5, 10, 15, 20 % by default) whose expected net
value is positive, or no discount when no step pays: "the smallest discount worth giving", not
the one with the largest net value. Every figure above is returned with the decision so that
it can be shown. ``r_max``, ``d_half``, ``k``, ``m`` and ``c`` are assumptions, not estimates:
they are settings (``RescueAssumptions``) until the measured uplift of past rescues replaces
them.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from cerebro.formatting import format_integer, format_percent

#: Days in the purchases horizon the order value is approximated from, and in a year.
_HORIZON_DAYS, _YEAR_DAYS = 90.0, 365.0


@dataclass(frozen=True)
class RescueAssumptions:
    """The model's assumptions; the defaults are round, conservative figures to be replaced by
    the measured uplift of past rescues."""

    #: Discounts to choose from (fractions), smallest first.
    ladder: tuple[float, ...] = (0.05, 0.10, 0.15, 0.20)
    #: r_max: the largest share of would-be-lost customers any discount brings back.
    max_response: float = 0.30
    #: d_half: the discount at which the response is half of ``max_response``.
    half_response_discount: float = 0.10
    #: k: how sharply the response rises around ``half_response_discount`` (1 = no threshold).
    response_steepness: float = 2.0
    #: m: the gross margin on revenue.
    gross_margin: float = 0.40
    #: c: the cost of one offer (a message, in the tenant's currency).
    cost_per_offer: float = 0.0
    #: (discount, measured r(d)) pairs replacing the assumed curve at those discounts, set by
    #: the discount experiment once its measurement is distinguishable (discount_experiment.py,
    #: decision 0064); not a setting.
    measured_response: tuple[tuple[float, float], ...] = ()

    def __post_init__(self) -> None:
        ladder = tuple(float(step) for step in self.ladder)
        if not ladder or any(not 0 < step < 1 for step in ladder):
            raise ValueError(f"ladder: {self.ladder!r} must hold discounts between 0 and 1")
        if list(ladder) != sorted(set(ladder)):
            raise ValueError(f"ladder: {self.ladder!r} must be increasing, without repeats")
        object.__setattr__(self, "ladder", ladder)
        for name, low, high in (
            ("max_response", 0.0, 1.0),
            ("half_response_discount", 0.0, 1.0),
            ("gross_margin", 0.0, 1.0),
        ):
            value = getattr(self, name)
            if not low < value <= high:
                raise ValueError(f"{name}: {value!r} must be above {low} and at most {high}")
        if not self.response_steepness > 0:
            raise ValueError(f"response_steepness: {self.response_steepness!r} must be positive")
        if not self.cost_per_offer >= 0:
            raise ValueError(f"cost_per_offer: {self.cost_per_offer!r} must not be negative")

    @classmethod
    def from_settings(cls, settings: Mapping[str, object] | None) -> RescueAssumptions:
        """Assumptions from a destination's ``rescue:`` settings block (missing keys keep their
        defaults; unknown keys are refused)."""
        settings = dict(settings or {})
        known = set(cls.__dataclass_fields__) - {"measured_response"}
        unknown = sorted(set(settings) - known)
        if unknown:
            raise ValueError(f"unknown rescue setting(s) {unknown}; known: {sorted(known)}")
        if "ladder" in settings:
            ladder = settings["ladder"]
            if not isinstance(ladder, list | tuple):
                raise ValueError(f"ladder: {ladder!r} must be a list of discounts")
            settings["ladder"] = tuple(ladder)
        return cls(**settings)  # type: ignore[arg-type]

    def response(self, discount: float) -> float:
        """r(d): the share of would-be-lost customers brought back by ``discount``: measured
        when the discount experiment has measured it, else the assumed curve."""
        for step, measured in self.measured_response:
            if math.isclose(step, discount):
                return measured
        k = self.response_steepness
        scaled = (discount / self.half_response_discount) ** k
        return self.max_response * scaled / (1.0 + scaled)


@dataclass(frozen=True)
class DiscountStep:
    """One step of the ladder, evaluated for one customer (money in the tenant's currency)."""

    discount: float
    response: float  # r(d)
    rescued: float  # (1 - p) r(d): the rise in the probability of keeping the customer
    redeemed: float  # p + (1 - p) r(d): the probability the discount is used
    gain: float
    cost: float

    @property
    def net(self) -> float:
        return self.gain - self.cost


@dataclass(frozen=True)
class RescueOffer:
    """The decision for one customer and the numbers behind it.

    ``discount`` is None when no step of the ladder pays (``reason`` says why, in Spanish, as
    the activation log and the "Acciones" page show it).
    """

    discount: float | None
    reason: str
    p_alive: float | None = None
    value_if_retained: float | None = None
    order_value: float | None = None
    steps: tuple[DiscountStep, ...] = field(default=())

    @property
    def chosen(self) -> DiscountStep | None:
        return next((s for s in self.steps if s.discount == self.discount), None)


#: The reason given when the model has what it needs but no step of the ladder pays.
NOT_WORTH_IT = "sin descuento rentable"


def evaluate_discount(
    discount: float,
    *,
    p_alive: float,
    value_if_retained: float,
    order_value: float,
    assumptions: RescueAssumptions,
) -> DiscountStep:
    """gain, cost and net of offering ``discount`` to one customer (module docstring)."""
    response = assumptions.response(discount)
    rescued = (1.0 - p_alive) * response
    redeemed = p_alive + rescued
    gain = assumptions.gross_margin * rescued * value_if_retained
    cost = discount * order_value * redeemed + assumptions.cost_per_offer
    return DiscountStep(discount, response, rescued, redeemed, gain, cost)


def rescue_offer(
    attributes: Mapping[str, object], assumptions: RescueAssumptions | None = None
) -> RescueOffer:
    """The smallest discount of the ladder with a positive expected net value for a customer
    described by the customer brain's ``attributes`` (``p_alive``, ``predicted_clv_12m``,
    ``expected_purchases_90d``, optionally ``clv_if_retained_12m`` and
    ``expected_spend_per_purchase_amount``), or none, with every figure behind the decision."""
    assumptions = assumptions or RescueAssumptions()
    p_alive = _number(attributes, "p_alive")
    predicted = _number(attributes, "predicted_clv_12m")
    if p_alive is None or not 0.0 <= p_alive <= 1.0 or predicted is None or predicted < 0:
        return RescueOffer(None, "sin predicción de valor (p_alive, predicted_clv_12m)")
    value_if_retained = _number(attributes, "clv_if_retained_12m")
    if value_if_retained is None:
        if p_alive == 0.0:
            return RescueOffer(None, "sin valor futuro (p_alive = 0)", p_alive=p_alive)
        value_if_retained = predicted / p_alive
    order_value = _order_value(attributes, predicted)
    if order_value is None:
        return RescueOffer(
            None,
            "sin valor esperado del próximo pedido",
            p_alive=p_alive,
            value_if_retained=value_if_retained,
        )
    steps = tuple(
        evaluate_discount(
            discount,
            p_alive=p_alive,
            value_if_retained=value_if_retained,
            order_value=order_value,
            assumptions=assumptions,
        )
        for discount in assumptions.ladder
    )
    chosen = next((step for step in steps if step.net > 0), None)
    return RescueOffer(
        discount=None if chosen is None else chosen.discount,
        reason=NOT_WORTH_IT if chosen is None else _explain(chosen),
        p_alive=p_alive,
        value_if_retained=value_if_retained,
        order_value=order_value,
        steps=steps,
    )


def percent_text(discount: float) -> str:
    """0.1 -> "10%", 0.125 -> "12,5%": a discount as ``cerebro.formatting`` writes percentages
    (the default locale: a coupon's client knows no tenant currency), decimals only if any."""
    decimals = next(d for d in (0, 1, 2) if round(discount * 100, d) == round(discount * 100, 2))
    return format_percent(discount, decimals)


_COUPON_DETAIL = re.compile(r"^(?P<percent>\d+(?:,\d+)?%) hasta (?P<last_day>\d{4}-\d{2}-\d{2})\b")


def coupon_detail(percent: str, last_day: dt.date) -> str:
    """What the activation log says of a created coupon: "10% hasta 2026-12-10"."""
    return f"{percent} hasta {last_day.isoformat()}"


def parse_coupon_detail(detail: str | None) -> tuple[str | None, dt.date | None]:
    """``coupon_detail``'s percent and last day, or (None, None) for any other detail."""
    match = _COUPON_DETAIL.match(detail or "")
    if match is None:
        return None, None
    return match["percent"], dt.date.fromisoformat(match["last_day"])


def _explain(step: DiscountStep) -> str:
    return (
        f"{percent_text(step.discount)} rentable: ganancia esperada {_amount(step.gain)}, "
        f"costo esperado {_amount(step.cost)}"
    )


def _amount(value: float) -> str:
    return format_integer(value)  # "3.600", in the default locale (see percent_text)


def _order_value(attributes: Mapping[str, object], predicted: float) -> float | None:
    spend = _number(attributes, "expected_spend_per_purchase_amount")
    if spend is not None and spend > 0:
        return spend
    purchases_90d = _number(attributes, "expected_purchases_90d")
    if purchases_90d is None or purchases_90d <= 0 or predicted <= 0:
        return None
    return predicted / (purchases_90d * _YEAR_DAYS / _HORIZON_DAYS)


def _number(attributes: Mapping[str, object], name: str) -> float | None:
    value = attributes.get(name)
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None
