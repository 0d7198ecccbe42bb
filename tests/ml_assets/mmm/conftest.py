"""Models fitted once per session on simulated data with known truth (ml_assets/mmm/simulate.py)."""

from __future__ import annotations

import pytest

from ml_assets.mmm.simulate import simulate
from tests.ml_assets.mmm.simulated_fits import SimulatedFit, fit_simulated


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
