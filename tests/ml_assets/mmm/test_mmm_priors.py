"""The decay prior says the same about carry-over in days whatever the rows' period."""

from __future__ import annotations

import pytest
from scipy.stats import beta

from ml_assets.mmm.priors import Priors


def test_daily_decay_prior_is_the_one_written_down():
    assert Priors().decay_prior(1) == (1.0, 1.0)
    assert Priors(decay_beta=2.0).decay_prior(1) == (1.0, 2.0)


@pytest.mark.parametrize("period_days", [7, 14, 30])
def test_half_the_effect_left_after_one_period_is_as_likely_as_the_daily_prior_says(period_days):
    # Oracle: under the daily prior (uniform decay per day), half of an effect is left after
    # `period_days` days when the daily decay exceeds 0.5 ** (1 / period_days).
    daily = Priors()
    in_days = beta(daily.decay_alpha, daily.decay_beta).sf(0.5 ** (1 / period_days))
    a, b = daily.decay_prior(period_days)
    assert beta(a, b).sf(0.5) == pytest.approx(in_days, rel=1e-9)
