"""The model fitted on simulated data with known truth (ml_assets/mmm/simulate.py) as the CLI
fits it; conftest.py's session fits and the tests that fit again both use it."""

from __future__ import annotations

from dataclasses import dataclass

from ml_assets.mmm.simulate import SimulatedData
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
