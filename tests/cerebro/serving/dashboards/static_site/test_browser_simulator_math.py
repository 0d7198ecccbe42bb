"""The Simulador's plans in headless Chromium against `plan_budget`, the function `cerebro mmm
optimize` runs, on a simulated fit: every channel identified, some and none of them (the
channels the data cannot judge move together as one pool), with and without a value per
channel, budgets from 10 % to 300 % of today's. The oracle is `plan_budget` on the same model
document; the bar is the issue's, 1 % of the budget per channel and 1 % of the change.

The model draws around the simulator's true parameters instead of running NUTS
(tests/ml_assets/mmm/fixed_posterior.py): what is tested is the browser's search against the
Python one on the same curves, not the fit. The demo's own pages are driven in
test_browser_simulator.py."""

from __future__ import annotations

import json
import shutil

import pytest

from cerebro.serving.dashboards import simulator
from cerebro.serving.dashboards.static_site import TEMPLATES_DIR
from ml_assets.mmm import budget
from ml_assets.mmm.budget import plan_budget
from ml_assets.mmm.persistence import model_from_dict, model_to_dict
from ml_assets.mmm.simulate import simulate
from tests.cerebro.serving.dashboards.static_site.browser_pages import go_offline
from tests.ml_assets.mmm.fixed_posterior import fixed_posterior
from tests.ml_assets.mmm.simulated_fits import fit_simulated, media_at_truth

RATIOS = (0.1, 0.6, 1.0, 1.8, 3.0)
#: A customer-value objective: the value of one unit of the target per channel.
VALUES = {"search": 2.0, "social": 1.5, "video": 3.0}
TOLERANCE = 0.01


@pytest.fixture(scope="module")
def document():
    data = simulate("easy", seed=1)
    with fixed_posterior(media_at_truth(data)):
        model = fit_simulated(data, draws=60, seed=0).model
    return json.dumps(model_to_dict(model))


def _objectives() -> list[dict]:
    same = {"target": "revenue", "money": True, "red": False, "red_text": ""}
    return [
        {"key": "revenue", "label": "Ingresos", "values": {}, **same},
        {"key": "ltv", "label": "Valor de clientes (LTV)", "values": VALUES, **same},
    ]


POOLS = [(), ("video",), ("social", "video"), ("search", "social", "video")]


@pytest.mark.parametrize("pooled", POOLS)
def test_the_browsers_plan_is_plan_budgets_plan(chromium, document, pooled, tmp_path, monkeypatch):
    identified = budget.identified_channels

    def judged(model):  # the channels named are ones the data cannot judge
        return {name: flag and name not in pooled for name, flag in identified(model).items()}

    monkeypatch.setattr(budget, "identified_channels", judged)
    monkeypatch.setattr(simulator, "identified_channels", judged)
    model_data = simulator.model_payload(document)
    assert [c["identified"] for c in model_data["channels"]] == [
        name not in pooled for name in ("search", "social", "video")
    ]
    data = simulator.page_data({"revenue": model_data}, _objectives(), "CLP")
    page = tmp_path / "plan.html"
    page.write_text(
        '<!doctype html><script type="application/json" id="simulator-data">'
        + json.dumps(data)
        + '</script><script src="simulator.js"></script>',
        encoding="utf-8",
    )
    shutil.copy(TEMPLATES_DIR / "static" / "simulator.js", tmp_path / "simulator.js")
    go_offline(chromium)
    chromium.get(page.as_uri())
    model = model_from_dict(json.loads(document))
    today = model.current_spend_.sum() / model.period_days * 30
    for objective, values in (("revenue", None), ("ltv", VALUES)):
        for ratio in RATIOS:
            total = ratio * today
            expected = plan_budget(model, total, period_days=30, values=values)
            got = chromium.execute_script(
                "return window.CerebroSimulator.plan(arguments[0], arguments[1]);",
                objective,
                total,
            )
            for channel, spend, oracle in zip(
                expected["channel"], got["spend"], expected["optimal_spend"], strict=True
            ):
                assert abs(spend - oracle) <= TOLERANCE * total, (objective, ratio, channel)
            change = expected["scenario_change"].iloc[0]
            assert abs(got["change"] - change) <= TOLERANCE * abs(change) + 1e-9 * total
            assert got["interval"][0] == pytest.approx(
                expected["scenario_change_low"].iloc[0], rel=TOLERANCE, abs=1e-6
            )
