"""A geo holdout the demo store ran on one paid channel, and the result it read out.

The budget brain takes experiment results as lift tests (``ml_assets/mmm/lift_tests.py``).
The demo simulates one the way a marketer would run it: for ``days`` days the channel's ads
are switched off in half of the country, picked at random (so each half has half of every
other channel's signups in expectation), and the readout is treated minus control signups.

Per-region media response: each half holds half the population and, while lit, gets half of
the national budget, so the lit half brings half of what the whole country would have brought
(half of ``beta * hill(adstock(spend))``), while national spend halves. The data the platform
lands show exactly that: spend and the channel's signups both halve during the test.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Columns of the lift-test file the budget brain reads.
LIFT_TEST_COLUMNS = ("channel", "start", "end", "lift", "standard_error", "target")


@dataclass(frozen=True)
class GeoHoldout:
    """Ads of ``platform`` off in half of the regions for ``days`` days, ending
    ``ends_days_before_end`` days before the history's last day."""

    platform: str
    days: int
    ends_days_before_end: int

    def dark_days(self, n_days: int) -> np.ndarray:
        """Boolean per history day: the test was running (empty when the history is shorter)."""
        mask = np.zeros(n_days, dtype=bool)
        end = n_days - self.ends_days_before_end
        if end - self.days >= 0:
            mask[end - self.days : end] = True
        return mask


def geo_readout(
    rng: np.random.Generator,
    counts: np.ndarray,
    tested: int,
    dark: np.ndarray,
    channel: str,
    dates: pd.DatetimeIndex,
) -> pd.DataFrame:
    """The test's result as the marketer reads it (no rows when no test fits the history).

    ``counts`` are realized signups (channels x days); the tested channel's signups during the
    test all came from the lit half. Every other signup lands in either half with probability
    1/2. The readout: lift = treated - control signups, with the Poisson standard error
    sqrt(treated + control).
    """
    if not dark.any():
        return pd.DataFrame(columns=LIFT_TEST_COLUMNS)
    others = int(np.delete(counts, tested, axis=0)[:, dark].sum())
    channel_signups = int(counts[tested, dark].sum())
    control = int(rng.binomial(others, 0.5))
    treated = others - control + channel_signups
    days = dates[dark]
    return pd.DataFrame(
        [
            {
                "channel": channel,
                "start": days[0].date().isoformat(),
                "end": days[-1].date().isoformat(),
                "lift": float(treated - control),
                "standard_error": round(float(np.sqrt(treated + control)), 2),
                "target": "new_customers",
            }
        ],
        columns=LIFT_TEST_COLUMNS,
    )
