"""The model's priors, with the reason for each, in one place.

Everything is on scaled data: the target divided by its training mean (so the baseline's level
is about 1), each channel's spend divided by its training mean (so adstocked spend is about 1
on an average day), controls divided by their mean minus 1, trend and seasonality columns
centred on the training window.

Media effects are parameterised by *return*, not by coefficient, as in Google's Meridian (Jin
et al. 2017 section 3.2; Meridian's ROI priors): channel c's contribution over the training
window is ``r_c * spend_share_c`` of the target's total, where ``spend_share_c`` is its share
of all paid spend. ``r_c = 1`` for every channel would make paid media explain the whole
target; the portfolio's media share is ``sum_c r_c * spend_share_c``. Working in shares makes
the prior unit-free (revenue, new customers, any currency) and puts the prior where marketers
have knowledge: what share of the outcome paid media drives, and that channels' returns differ
by a factor, not by orders of magnitude.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class Priors:
    """Prior scales (all on scaled data, see the module docstring)."""

    #: Portfolio media share: log-normal with median 25 % and a log-sd of 0.8 (90 % of the
    #: mass between 7 % and 93 %). Meridian's default for KPIs without a revenue value centres
    #: the total paid-media share at 40 % (sd 20 %); a lower median keeps a model that learns
    #: little from the data from crediting media with most of the outcome.
    media_share_median: float = 0.25
    media_share_log_sd: float = 0.8
    #: Spread of channels' returns around the portfolio's (half-normal scale of the log-sd):
    #: partial pooling. Channels whose spend moves together cannot be told apart by the data;
    #: their returns then shrink towards the portfolio's instead of splitting the credit at
    #: random (Gelman et al., "Bayesian Data Analysis", 3rd ed., 5.5).
    channel_spread: float = 0.5
    #: Adstock decay per *day*: uniform on [0, 1); daily data identifies carry-over well. A
    #: longer period gets the prior that says the same about carry-over in days
    #: (``decay_prior``), not the same prior per period.
    decay_alpha: float = 1.0
    decay_beta: float = 1.0
    #: Hill half-saturation relative to mean spend: median 1 (half saturated on an average
    #: day), log-sd 0.6 (90 % between 0.37 and 2.7 times mean spend).
    half_saturation_log_sd: float = 0.6
    #: Hill shape: median 1.35, log-sd 0.5 (90 % between 0.6 and 3.1): concave curves and
    #: S curves are both plausible.
    shape_log_median: float = 0.3
    shape_log_sd: float = 0.5
    #: Curves pooled across the advertiser's channels: this share of the prior log-variance of
    #: the half-saturation and of the shape is a location the channels share, the rest their
    #: spread around it (half-normal), so the marginal prior of each channel is unchanged. A
    #: channel whose spend hardly moves cannot show where it saturates; it then borrows the
    #: curve its better-measured siblings show (partial pooling, as for the returns) instead of
    #: falling back to the prior's median. 0 makes every channel's curve independent.
    curve_pooling: float = 0.5
    #: Baseline: level about 1 (the target's mean), the rest centred columns.
    intercept_mean: float = 1.0
    intercept_sd: float = 1.0
    trend_sd: float = 0.5
    #: Slope changes at changepoints (Prophet's piecewise-linear trend, Taylor & Letham 2018
    #: eq. 3), normal so that the baseline can be integrated out exactly.
    trend_change_sd: float = 0.15
    seasonality_sd: float = 0.3
    event_sd: float = 0.5
    control_sd: float = 1.0
    #: Noise sd (half-normal scale), as a share of the target's mean.
    noise_sd: float = 0.3

    def __post_init__(self) -> None:
        if not 0.0 <= self.curve_pooling < 1.0:
            raise ValueError(f"curve_pooling must be in [0, 1), got {self.curve_pooling}")

    def decay_prior(self, period_days: int) -> tuple[float, float]:
        """The Beta prior of the decay per period of ``period_days`` days.

        A uniform decay per week would make "half of the effect is left a week later" an
        even bet, where the daily prior gives it 9 % (a daily decay above 0.5 ** (1/7)). On
        weekly simulations (benchmarks/mmm_suite/weekly.py, development seeds) that mass at
        long carry-over put short-lived channels' decay near 0.5 where the truth was 0.1-0.3,
        and a smoother adstocked spend needs a larger effect to explain the same weekly
        swings: the fits credited media with more than their return. For Beta(a, b) with
        a = 1, P(decay > 1/2) = 2 ** -b; scaling b keeps that probability equal to the daily
        prior's for the same carry-over in days: b_p = b * log2(1 / (1 - 2 ** (-1 / p))) (1
        for a day, 3.4 for a week; pymc-marketing's weekly default is Beta(1, 3)). With a != 1
        the same scaling of b is an approximation. The exact transform of the daily prior
        (decay_week = decay_day ** 7) is not used: it all but rules out the weeks-long
        carry-over of television that weekly data can show."""
        scale = float(np.log2(1.0 / (1.0 - 0.5 ** (1.0 / period_days))))
        return self.decay_alpha, self.decay_beta * scale

    def share_location(self) -> float:
        """Log-median of the portfolio media share."""
        return float(np.log(self.media_share_median))

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Priors:
        return cls(**data)
