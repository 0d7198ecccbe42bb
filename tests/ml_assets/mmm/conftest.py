"""Models fitted once per session on simulated data with known truth (ml_assets/mmm/simulate.py)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from ml_assets.mmm.simulate import SimulatedData, simulate
from ml_assets.mmm.workflow import MmmResult, fit_mmm

CHANNELS = ["search", "social", "video"]


@dataclass(frozen=True)
class SimulatedFit:
    data: SimulatedData
    result: MmmResult


def fit_simulated(data: SimulatedData, **params) -> MmmResult:
    """The model as the CLI fits it: revenue on the three channels, clicks and calendar."""
    return fit_mmm(
        data.frame,
        date_column="date",
        spend_columns=CHANNELS,
        target_column="revenue",
        control_columns=["organic_clicks"],
        event_columns=["holiday", "commercial_event"],
        **params,
    )


@pytest.fixture(scope="session")
def easy_fit() -> SimulatedFit:
    """Independent spend plans with pauses: every channel's effect is identified."""
    data = simulate("easy", seed=1)
    return SimulatedFit(data, fit_simulated(data, seed=0))


@pytest.fixture(scope="session")
def hard_fit() -> SimulatedFit:
    """Spend plans with correlation above 0.99: attribution between channels is not identified."""
    data = simulate("hard", seed=1)
    return SimulatedFit(data, fit_simulated(data, seed=0))
