"""The model fitted on simulated data with known truth (ml_assets/mmm/simulate.py) as the CLI
fits it; conftest.py's session fits and the tests that fit again both use it. And its parts,
for tests that need less than a whole fit: the input as the fit validates it, the settings a
fit's backtest refits with, a fit again without its backtest, and the true media parameters
for `fixed_posterior`."""

from __future__ import annotations

from dataclasses import dataclass

from ml_assets.mmm.inputs import ModelInput, prepare_input
from ml_assets.mmm.model import MarketingMixModel
from ml_assets.mmm.simulate import SimulatedData
from ml_assets.mmm.workflow import MmmResult, fit_mmm
from tests.ml_assets.mmm.fixed_posterior import FixedMedia

CHANNELS = ["search", "social", "video"]
#: The columns as the CLI is told them: revenue on the three channels, clicks and calendar.
COLUMNS = {
    "date_column": "date",
    "spend_columns": CHANNELS,
    "target_column": "revenue",
    "control_columns": ["organic_clicks"],
    "event_columns": ["holiday", "commercial_event"],
}
#: The model's settings that the input gives (its columns and period), not the fit's parameters.
INPUT_SETTINGS = ("channels", "controls", "events", "period_days")


@dataclass(frozen=True)
class SimulatedFit:
    data: SimulatedData
    result: MmmResult


def fit_simulated(data: SimulatedData, **params) -> MmmResult:
    """The model as the CLI fits it: revenue on the three channels, clicks and calendar."""
    return fit_mmm(data.frame, **COLUMNS, **params)


def simulated_input(data: SimulatedData) -> ModelInput:
    """The daily input as `fit_simulated` validates it."""
    return prepare_input(data.frame, **COLUMNS)


def refit_settings(model: MarketingMixModel) -> dict:
    """The settings a fit's backtest refits with (`workflow.backtest`'s ``model_params``):
    the fitted model's own, without those its input gives."""
    return {k: v for k, v in model.get_params().items() if k not in INPUT_SETTINGS}


def refit(fit: SimulatedFit, **changes) -> MarketingMixModel:
    """The full fit of ``fit`` again, on its data, with ``changes`` to its settings (lift tests,
    ROI bounds): the model `fit_simulated` would fit, without the backtest's refit that
    `fit_mmm` runs beside it, for tests that read only the model."""
    model = MarketingMixModel(**fit.result.model.get_params()).set_params(**changes)
    return model.fit(fit.result.X, fit.result.y)


def media_at_truth(data: SimulatedData, channels=CHANNELS) -> list[FixedMedia]:
    """The simulator's true media parameters on the sampler's scale, for `fixed_posterior`:
    half-saturation relative to mean spend, and the return r_c = ROI_c * total spend / total
    revenue (priors.py)."""
    frame = data.frame
    to_share = frame[list(channels)].to_numpy().sum() / frame["revenue"].sum()
    return [
        FixedMedia(
            decay=data.truth[name]["decay"],
            half_saturation=data.truth[name]["half_saturation"] / frame[name].mean(),
            shape=data.truth[name]["shape"],
            share=data.truth[name]["roi"] * to_share,
        )
        for name in channels
    ]
