"""Churn-risk segments (KPIS.md): who to win back, who is gone, who to nurture.

Money thresholds are quantiles of the tenant's own CLV distribution, never fixed amounts,
since currencies and price levels differ between tenants.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

HIGH_RISK_VIP = "ALTO RIESGO - VIP"
LOST = "CLIENTE PERDIDO"
POTENTIAL_WHALE = "POTENCIAL BALLENA"
LOYAL = "CLIENTE LEAL"
STANDARD = "ESTÁNDAR"
SEGMENTS = (HIGH_RISK_VIP, LOST, POTENTIAL_WHALE, LOYAL, STANDARD)


@dataclass(frozen=True)
class ChurnRiskThresholds:
    """The rules, applied in this order (first match wins):

    1. ``ALTO RIESGO - VIP``: ``prob_alive`` below ``risk_prob_alive`` and
       ``clv_if_retained_12m`` at or above the ``vip_clv_quantile`` of the tenant's customers;
    2. ``CLIENTE PERDIDO``: ``prob_alive`` below ``risk_prob_alive``;
    3. ``POTENCIAL BALLENA``: ``predicted_clv_12m`` at or above its ``whale_clv_quantile``;
    4. ``CLIENTE LEAL``: ``prob_alive`` at least ``loyal_prob_alive`` and at least
       ``loyal_min_repeat_purchases`` repeat purchases;
    5. ``ESTÁNDAR``: everyone else.

    ``risk_prob_alive`` is also the threshold of "Capital en riesgo" (KPIS.md, default 0.2).
    """

    risk_prob_alive: float = 0.2
    loyal_prob_alive: float = 0.8
    loyal_min_repeat_purchases: int = 2
    vip_clv_quantile: float = 0.8
    whale_clv_quantile: float = 0.9

    def __post_init__(self) -> None:
        for name in (
            "risk_prob_alive",
            "loyal_prob_alive",
            "vip_clv_quantile",
            "whale_clv_quantile",
        ):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        if self.loyal_min_repeat_purchases < 0:
            raise ValueError("loyal_min_repeat_purchases must be >= 0")


@dataclass(frozen=True)
class SegmentCut:
    """The money thresholds a tenant's quantiles gave, for the model-run record."""

    vip_clv_if_retained: float
    whale_predicted_clv: float


def assign_segments(
    predictions: pd.DataFrame, thresholds: ChurnRiskThresholds
) -> tuple[pd.Series, SegmentCut]:
    """The churn-risk segment of every customer, and the money thresholds used.

    Reads ``prob_alive``, ``frequency``, ``predicted_clv_12m`` and ``clv_if_retained_12m``.
    """
    cut = SegmentCut(
        vip_clv_if_retained=float(
            np.quantile(predictions["clv_if_retained_12m"], thresholds.vip_clv_quantile)
        ),
        whale_predicted_clv=float(
            np.quantile(predictions["predicted_clv_12m"], thresholds.whale_clv_quantile)
        ),
    )
    at_risk = predictions["prob_alive"] < thresholds.risk_prob_alive
    # A quantile can be 0 when most customers are worth nothing; nobody worth 0 is a VIP.
    retained, predicted = predictions["clv_if_retained_12m"], predictions["predicted_clv_12m"]
    rules = [
        at_risk & (retained >= cut.vip_clv_if_retained) & (retained > 0),
        at_risk,
        (predicted >= cut.whale_predicted_clv) & (predicted > 0),
        (predictions["prob_alive"] >= thresholds.loyal_prob_alive)
        & (predictions["frequency"] >= thresholds.loyal_min_repeat_purchases),
    ]
    labels = np.select(rules, [HIGH_RISK_VIP, LOST, POTENTIAL_WHALE, LOYAL], default=STANDARD)
    return pd.Series(labels, index=predictions.index, name="churn_risk_segment"), cut


#: ``assign_segments`` in SQL, for scoring where the customers live (``sql_scoring.py``; a
#: test holds the two equal): the tenant's money thresholds as the same interpolated
#: quantiles (``np.quantile``'s default is ``percentile_cont``), read from the customers'
#: ``clv_if_retained_12m`` and ``predicted_clv_12m``...
CUTS_SQL = """
    percentile_cont(cast(%(vip_clv_quantile)s as double precision))
        within group (order by clv_if_retained_12m) as vip_clv_if_retained,
    percentile_cont(cast(%(whale_clv_quantile)s as double precision))
        within group (order by predicted_clv_12m) as whale_predicted_clv"""

#: ...and the rules in the same order, first match wins (the cuts as columns of ``cuts``).
SEGMENT_SQL = """
    case
        when prob_alive < %(risk_prob_alive)s and clv_if_retained_12m >= cuts.vip_clv_if_retained
            and clv_if_retained_12m > 0 then %(segment_high_risk_vip)s
        when prob_alive < %(risk_prob_alive)s then %(segment_lost)s
        when predicted_clv_12m >= cuts.whale_predicted_clv and predicted_clv_12m > 0
            then %(segment_potential_whale)s
        when prob_alive >= %(loyal_prob_alive)s and frequency >= %(loyal_min_repeat_purchases)s
            then %(segment_loyal)s
        else %(segment_standard)s
    end"""


def segment_sql_params(thresholds: ChurnRiskThresholds) -> dict:
    """The parameters ``CUTS_SQL`` and ``SEGMENT_SQL`` read."""
    return {
        "vip_clv_quantile": float(thresholds.vip_clv_quantile),
        "whale_clv_quantile": float(thresholds.whale_clv_quantile),
        "risk_prob_alive": float(thresholds.risk_prob_alive),
        "loyal_prob_alive": float(thresholds.loyal_prob_alive),
        "loyal_min_repeat_purchases": int(thresholds.loyal_min_repeat_purchases),
        "segment_high_risk_vip": HIGH_RISK_VIP,
        "segment_lost": LOST,
        "segment_potential_whale": POTENTIAL_WHALE,
        "segment_loyal": LOYAL,
        "segment_standard": STANDARD,
    }
