"""Same data and seed give the same numbers; a saved model gives the same numbers again."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from ml_assets.mmm.budget import plan_budget
from ml_assets.mmm.persistence import ModelFileError, load_model, save_model
from ml_assets.mmm.simulate import simulate
from ml_assets.mmm.summary import channel_summary, response_curves
from tests.ml_assets.mmm.simulated_fits import fit_simulated


def _outputs(result) -> dict:
    diagnostics = result.diagnostics()
    diagnostics.pop("fit_seconds")
    return {
        "summary": result.channel_summary(),
        "contributions": result.contributions(),
        "curves": result.response_curves(),
        "backtest": result.backtest,
        "plan": plan_budget(result.model, 2e7),
        "diagnostics": json.dumps(diagnostics, sort_keys=True, default=str),
    }


def test_same_input_and_seed_give_identical_outputs():
    data = simulate("medium", seed=7, n_days=400)
    first = _outputs(fit_simulated(data, seed=5, draws=60))
    second = _outputs(fit_simulated(data, seed=5, draws=60))
    for name, frame in first.items():
        if isinstance(frame, pd.DataFrame):
            pd.testing.assert_frame_equal(frame, second[name], check_exact=True)
        else:
            assert frame == second[name]
    third = _outputs(fit_simulated(data, seed=6, draws=60))
    assert not first["summary"]["roi_low"].equals(third["summary"]["roi_low"])


def test_a_saved_model_reloads_to_the_same_summary_curves_and_plans(easy_fit, tmp_path):
    model = easy_fit.result.model
    path = save_model(model, tmp_path / "model.json")
    text = path.read_text(encoding="utf-8")
    assert json.loads(text)["model_version"] == "cerebro-mmm-2"
    loaded = load_model(path)
    total = float(easy_fit.result.y.sum())
    pd.testing.assert_frame_equal(channel_summary(loaded, total), channel_summary(model, total))
    pd.testing.assert_frame_equal(response_curves(loaded), response_curves(model))
    pd.testing.assert_frame_equal(plan_budget(loaded, 1.5e7), plan_budget(model, 1.5e7))
    X = easy_fit.result.X
    pd.testing.assert_frame_equal(loaded.decompose(X), model.decompose(X))


def test_a_file_of_another_version_or_not_a_model_is_refused(easy_fit, tmp_path):
    data = json.loads(save_model(easy_fit.result.model, tmp_path / "m.json").read_text())
    data["model_version"] = "cerebro-mmm-1"
    (tmp_path / "old.json").write_text(json.dumps(data))
    with pytest.raises(ModelFileError, match="cannot be read"):
        load_model(tmp_path / "old.json")
    (tmp_path / "junk.json").write_text("[1, 2]")
    with pytest.raises(ModelFileError, match="not a Cerebro MMM model"):
        load_model(tmp_path / "junk.json")
