"""The baseline: what the target would be without paid media.

Intercept, a piecewise-linear trend (changepoints as in Prophet: Taylor & Letham 2018, eq. 3,
restricted to the older part of the history so that the trend extrapolates with its last
slope), day-of-week effects, yearly seasonality as a Fourier series (Harvey & Shephard 1993;
Prophet eq. 5), calendar events (holidays, commercial events) and controls such as organic
search clicks. All of it enters linearly, each group of columns with its prior
(``prior_scales``; the scales live in ``priors.py``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class BaselineDesign:
    """How to turn dates, events and controls into baseline columns (serializable)."""

    start: str  # ISO date of period 0
    period_days: int  # 1 (daily) or 7 (weekly)
    n_periods: int  # rows the design was built for; trend is scaled by it
    weekly: bool
    yearly_order: int
    changepoints: tuple[int, ...]  # period offsets where the trend may bend
    events: tuple[str, ...]
    controls: tuple[str, ...]
    control_scales: tuple[float, ...]

    @classmethod
    def for_data(
        cls,
        dates: pd.DatetimeIndex,
        *,
        period_days: int,
        events: list[str],
        controls: pd.DataFrame,
        yearly_seasonality: str | bool,
        yearly_order: int,
        changepoint_spacing_days: int,
    ) -> BaselineDesign:
        """The design for a training window: changepoints, which seasonalities, scales."""
        n = len(dates)
        span_days = n * period_days
        # Fewer than ~13 months cannot separate a yearly cycle from trend and media.
        auto = yearly_seasonality == "auto"
        use_yearly = span_days >= 395 if auto else bool(yearly_seasonality)
        spacing = max(1, changepoint_spacing_days // period_days)
        # No changepoint in the last spacing of history: the trend's last slope is estimated
        # on at least that much data before it is extrapolated.
        changepoints = tuple(range(spacing, n - spacing, spacing)) if spacing < n else ()
        scales = []
        for name in controls.columns:
            mean = float(np.abs(controls[name]).mean())
            scales.append(mean if mean > 0 else 1.0)
        return cls(
            start=dates[0].date().isoformat(),
            period_days=period_days,
            n_periods=n,
            weekly=period_days == 1,
            yearly_order=yearly_order if use_yearly else 0,
            changepoints=changepoints,
            events=tuple(events),
            controls=tuple(controls.columns),
            control_scales=tuple(scales),
        )

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> BaselineDesign:
        fields = {**data}
        for name in ("changepoints", "events", "controls", "control_scales"):
            fields[name] = tuple(fields[name])
        return cls(**fields)

    def column_names(self) -> list[str]:
        names = ["intercept", "trend"]
        names += [f"trend_change_{k}" for k in range(len(self.changepoints))]
        if self.weekly:
            names += [f"weekday_{d}" for d in range(1, 7)]
        for k in range(1, self.yearly_order + 1):
            names += [f"yearly_sin_{k}", f"yearly_cos_{k}"]
        names += [f"event:{name}" for name in self.events]
        names += [f"control:{name}" for name in self.controls]
        return names

    def control_columns(self) -> list[int]:
        """The column of each control, in the order of ``controls``."""
        names = self.column_names()
        return [names.index(f"control:{name}") for name in self.controls]

    def column_groups(self) -> list[str]:
        """Per column: 'baseline', 'event' or 'control' (how contributions are reported)."""
        groups = []
        for name in self.column_names():
            if name.startswith("event:"):
                groups.append("event")
            elif name.startswith("control:"):
                groups.append("control")
            else:
                groups.append("baseline")
        return groups

    def priors(self, priors) -> tuple[np.ndarray, np.ndarray]:
        """Per column, the normal prior's mean and sd (in target shares per unit of the
        column; the intercept's mean is the target's level). Trend changes get a small sd:
        the trend bends where the data insist, not to chase every wiggle."""
        means, scales = [], []
        for name in self.column_names():
            if name == "intercept":
                mean, scale = priors.intercept_mean, priors.intercept_sd
            elif name == "trend":
                mean, scale = 0.0, priors.trend_sd
            elif name.startswith("trend_change_"):
                mean, scale = 0.0, priors.trend_change_sd
            elif name.startswith(("weekday_", "yearly_")):
                mean, scale = 0.0, priors.seasonality_sd
            elif name.startswith("event:"):
                mean, scale = 0.0, priors.event_sd
            else:
                mean, scale = 0.0, priors.control_sd
            means.append(mean)
            scales.append(scale)
        return np.asarray(means), np.asarray(scales)

    def matrix(
        self, dates: pd.DatetimeIndex, events: pd.DataFrame, controls: pd.DataFrame
    ) -> np.ndarray:
        """Baseline columns for ``dates`` (any dates, also after the training window)."""
        offset = (dates - pd.Timestamp(self.start)).days.to_numpy() // self.period_days
        t = offset / self.n_periods
        columns = [np.ones(len(dates)), t]
        columns += [np.maximum(offset - c, 0) / self.n_periods for c in self.changepoints]
        if self.weekly:
            weekday = dates.day_of_week.to_numpy()
            columns += [(weekday == d).astype(float) for d in range(1, 7)]
        if self.yearly_order:
            # Middle of the period, so that weekly rows see the season of their mid-week.
            middle = dates + pd.Timedelta(days=(self.period_days - 1) / 2)
            angle = 2 * np.pi * middle.day_of_year.to_numpy() / DAYS_PER_YEAR
            for k in range(1, self.yearly_order + 1):
                columns += [np.sin(k * angle), np.cos(k * angle)]
        columns += [events[name].to_numpy(dtype=float) for name in self.events]
        columns += [
            controls[name].to_numpy(dtype=float) / scale
            for name, scale in zip(self.controls, self.control_scales, strict=True)
        ]
        return np.column_stack(columns)
