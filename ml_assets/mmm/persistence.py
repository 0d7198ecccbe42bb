"""A fitted model as plain JSON (hyperparameters, fitted parameters, model version); no pickle.

The file holds what the curves, the decomposition of new data and the optimizer need: the
baseline design and coefficients, the posterior draws of the media parameters, and each
draw's sorted spend profile. Loading checks the version, so a file written by an
incompatible release fails with a clear message instead of giving wrong numbers.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ml_assets.mmm.baseline import BaselineDesign
from ml_assets.mmm.model import MODEL_VERSION, MarketingMixModel
from ml_assets.mmm.priors import Priors

_ARRAYS = ("baseline_coef_", "coef_", "total_spend_", "mean_spend_", "current_spend_",
           "contribution_")  # fmt: skip
_SCALARS = ("y_scale_", "n_periods_", "start_date_", "end_date_", "residual_sd_")


class ModelFileError(ValueError):
    """The file is not a model this version of Cerebro can read."""


def _jsonable(value):
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def model_to_dict(model: MarketingMixModel) -> dict:
    """Everything needed to rebuild ``model``, as JSON-compatible values."""
    model.check_fitted("draws_")
    fitted = {name: getattr(model, name).tolist() for name in _ARRAYS}
    fitted.update({name: _jsonable(getattr(model, name)) for name in _SCALARS})
    fitted["channels_"] = list(model.channels_)
    fitted["hyperparameters_"] = model.hyperparameters_
    fitted["identification_"] = model.identification_
    fitted["baseline_design_"] = model.baseline_design_.to_dict()
    fitted["sampler_"] = model.sampler_
    fitted["draws_"] = {k: v.tolist() for k, v in model.draws_.items()}
    fitted["profiles_"] = {channel: p.tolist() for channel, p in model.profiles_.items()}
    params = model.get_params()
    params["priors"] = (model.priors or Priors()).to_dict()
    return {
        "model_version": MODEL_VERSION,
        "params": _jsonable(params),
        "fitted": _jsonable(fitted),
    }


def model_from_dict(data: dict) -> MarketingMixModel:
    """The inverse of ``model_to_dict``."""
    version = data.get("model_version")
    if version != MODEL_VERSION:
        raise ModelFileError(f"model version {version!r} cannot be read (expected {MODEL_VERSION})")
    params = dict(data["params"])
    channels = params.pop("channels")
    params["priors"] = Priors.from_dict(params["priors"])
    model = MarketingMixModel(channels, **params)
    fitted = data["fitted"]
    for name in _ARRAYS:
        setattr(model, name, np.asarray(fitted[name], dtype=float))
    for name in _SCALARS:
        setattr(model, name, fitted[name])
    model.channels_ = list(fitted["channels_"])
    model.hyperparameters_ = fitted["hyperparameters_"]
    model.identification_ = fitted["identification_"]
    model.baseline_design_ = BaselineDesign.from_dict(fitted["baseline_design_"])
    model.sampler_ = fitted["sampler_"]
    # One column per channel, but per control for the controls' contributions.
    columns = {"control_contribution": len(model.baseline_design_.controls)}
    model.draws_ = {
        k: np.asarray(v, dtype=float).reshape(len(v), columns.get(k, len(model.channels_)))
        for k, v in fitted["draws_"].items()
    }
    model.profiles_ = {
        channel: np.asarray(p, dtype=float) for channel, p in fitted["profiles_"].items()
    }
    return model


def save_model(model: MarketingMixModel, path: Path) -> Path:
    """Write the model as JSON to ``path``. Not atomic by itself (ml_assets does not know the
    command line): ``cerebro mmm fit`` passes a temporary path and renames it once complete
    (``cerebro.output_files``), so that Ctrl-C never leaves half a model."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(model_to_dict(model), ensure_ascii=False), encoding="utf-8")
    return path


def load_model(path: Path) -> MarketingMixModel:
    """Read a model written by ``save_model``."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ModelFileError(f"cannot read a model from {path}: {error}") from error
    if not isinstance(data, dict) or "fitted" not in data:
        raise ModelFileError(f"{path} is not a Cerebro MMM model file")
    return model_from_dict(data)
