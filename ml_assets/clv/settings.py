"""The knobs of the customer-value model, with their defaults (KPIS.md, issue 4).

One object serves the tenants file (``clv:`` block per tenant), the command line and the
Dagster asset, so every default is written once, here.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from ml_assets.clv.segments import ChurnRiskThresholds
from ml_assets.clv.transactions import OutlierRule

#: What a transaction can be worth (``ClvSettings.value``).
TRANSACTION_VALUES = ("revenue", "margin")
#: The purchase models a tenant can be scored with (``PurchaseModel.name``), and the setting
#: that lets the holdout backtest choose between them (``model_choice.py``).
PURCHASE_MODELS = ("bgnbd", "mbgnbd")
CHOSEN_BY_BACKTEST = "auto"
#: lifetimes' convention for CLV in days: a month is 30 days, so "12 months" is 360 days.
DAYS_PER_MONTH = 30


@dataclass(frozen=True)
class ClvSettings:
    """Model settings of one tenant.

    - ``penalizer``: L2 penalty of both fits (lifetimes' ``penalizer_coef``), default none;
    - ``retry_penalizer``: when a fit with ``penalizer`` does not converge (no finite maximum,
      typically a and b of BG/NBD running off together on a small tenant, or r and alpha
      stopping so far out that the predictions overflow), it is retried once with this
      penalty and the run is flagged; ``None`` fails instead;
    - ``monthly_discount_rate``: discount of future months in the 12-month CLV (1 %);
    - ``outlier_std``: transactions above mean + this many standard deviations are left out
      of the Gamma-Gamma fit (reported); ``None`` keeps them;
    - ``min_repeat_buyers``: below this many repeat buyers Gamma-Gamma is not fitted and the
      average transaction value is used instead (flagged);
    - ``max_spend_frequency_correlation``: above this absolute Pearson correlation the
      Gamma-Gamma independence assumption is reported as doubtful;
    - ``holdout_days``: the backtest's holdout, the last N days before the cut-off;
    - ``max_backtest_error``: the largest accepted relative error of the backtest's total
      predicted repeat purchases (a blocking asset check);
    - ``churn_risk``: the segment thresholds;
    - ``purchase_model``: how often customers buy and when they leave: ``auto`` (default)
      backtests BG/NBD and MBG/NBD on the holdout and keeps the one that predicts it better
      (BG/NBD on a tie or when no backtest is possible); ``bgnbd`` or ``mbgnbd`` forces one;
    - ``value``: what a transaction is worth, ``revenue`` (net of refunds) or ``margin``
      (contribution margin after costs, issue 27): every customer value, CLV and the budget
      brain's LTV are then in that unit.
    """

    penalizer: float = 0.0
    retry_penalizer: float | None = 0.001
    monthly_discount_rate: float = 0.01
    outlier_std: float | None = 3.0
    min_repeat_buyers: int = 10
    max_spend_frequency_correlation: float = 0.3
    holdout_days: int = 90
    max_backtest_error: float = 0.5
    churn_risk: ChurnRiskThresholds = field(default_factory=ChurnRiskThresholds)
    value: str = "revenue"
    purchase_model: str = CHOSEN_BY_BACKTEST

    def __post_init__(self) -> None:
        checks = {
            "penalizer": self.penalizer >= 0,
            "retry_penalizer": self.retry_penalizer is None or self.retry_penalizer > 0,
            "monthly_discount_rate": 0 <= self.monthly_discount_rate < 1,
            "outlier_std": self.outlier_std is None or self.outlier_std > 0,
            "min_repeat_buyers": self.min_repeat_buyers >= 0,
            "max_spend_frequency_correlation": 0 <= self.max_spend_frequency_correlation <= 1,
            "holdout_days": self.holdout_days >= 1,
            "max_backtest_error": self.max_backtest_error > 0,
            "value": self.value in TRANSACTION_VALUES,
            "purchase_model": self.purchase_model in (CHOSEN_BY_BACKTEST, *PURCHASE_MODELS),
        }
        wrong = [name for name, ok in checks.items() if not ok]
        if wrong:
            values = ", ".join(f"{name}={getattr(self, name)!r}" for name in wrong)
            raise ValueError(f"invalid CLV setting(s): {values}")

    @property
    def outlier_rule(self) -> OutlierRule:
        return OutlierRule(self.outlier_std)

    @classmethod
    def from_mapping(cls, mapping: dict | None) -> ClvSettings:
        """Settings from a tenants-file ``clv:`` block: the fields above, with the churn-risk
        thresholds flat beside them (``risk_prob_alive: 0.3``); unknown keys are errors."""
        mapping = dict(mapping or {})
        own = {f.name for f in dataclasses.fields(cls)} - {"churn_risk"}
        risk = {f.name for f in dataclasses.fields(ChurnRiskThresholds)}
        unknown = sorted(set(mapping) - own - risk)
        if unknown:
            raise ValueError(f"unknown CLV setting(s) {unknown}; known: {sorted(own | risk)}")
        thresholds = ChurnRiskThresholds(**{k: v for k, v in mapping.items() if k in risk})
        return cls(**{k: v for k, v in mapping.items() if k in own}, churn_risk=thresholds)
