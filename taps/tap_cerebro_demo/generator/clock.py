"""Time in the simulation: continuous days on the tenant's local wall clock.

The simulation runs on ``t`` = days since local midnight of the first day.
Customers live by the local clock (they book at 20:00 local whatever the DST
offset), so conversion to UTC happens once, at the end, through the tenant's
timezone rules.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

# Relative activity by local hour: mornings and evenings, quiet nights.
HOURLY_ACTIVITY = np.array(
    [0.5, 0.3, 0.2, 0.15, 0.15, 0.3, 0.8, 1.5, 2.5, 3.5, 4.2, 4.5,
     4.3, 4.0, 3.8, 3.8, 3.9, 4.0, 4.3, 4.8, 5.0, 4.5, 3.0, 1.5]
)  # fmt: skip


@dataclass(frozen=True)
class Clock:
    start: dt.date
    days: int
    timezone: str

    @property
    def dates(self) -> pd.DatetimeIndex:
        return pd.date_range(self.start, periods=self.days, freq="D")

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=self.days - 1)

    def at_busy_hours(self, rng: np.random.Generator, day: np.ndarray) -> np.ndarray:
        """Times within the given days, following the local hourly activity."""
        hour = rng.choice(24, size=len(day), p=HOURLY_ACTIVITY / HOURLY_ACTIVITY.sum())
        return np.floor(day) + (hour + rng.random(len(day))) / 24.0

    def to_utc(self, t: np.ndarray) -> pd.Series:
        """Local day offsets -> naive UTC timestamps (NaT where t is NaN).

        Wall-clock times that DST skips move forward; repeated ones take the
        standard-time reading.
        """
        seconds = np.round(np.asarray(t, dtype=float) * 86_400.0)
        local = pd.Series(pd.Timestamp(self.start) + pd.to_timedelta(seconds, unit="s"))
        localized = local.dt.tz_localize(
            self.timezone,
            ambiguous=np.zeros(len(local), dtype=bool),
            nonexistent="shift_forward",
        )
        return localized.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[us]")
