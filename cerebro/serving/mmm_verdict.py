"""What `cerebro mmm optimize` says about its plan, in Spanish: whether the evidence backs it.

The rule is the pages' (docs/decisions/0050): a plan is advised only when the 90 % interval of
its gain lies above zero and the model's health light is not red. Otherwise the terminal says
to keep today's spend because the data cannot tell the plan from it, and prints the experiment
that would decide (``ml_assets/mmm/experiments.py``) on the channel the plan moves most. The
light is judged as the "Salud de datos" page judges a marketing-mix model's daily errors: the
in-sample and holdout MAPE of ``diagnostics.json`` against the dbt var
``model_health_thresholds.daily_mape`` (defined once, in dbt_project.yml).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pandas as pd
import yaml

from cerebro.formatting import format_integer, format_percent
from cerebro.settings import DBT_PROJECT_DIR
from ml_assets.mmm.experiments import design_experiment
from ml_assets.mmm.model import MarketingMixModel
from ml_assets.mmm.recommendation import MIN_MOVE_SHARE

#: The diagnostics the terminal judges, with the words the health page uses for them.
DAILY_ERROR_CHECKS = {
    "in_sample": "error diario de ajuste (MAPE)",
    "holdout": "error diario en los días no vistos (MAPE)",
}


@functools.cache
def daily_mape_red_above() -> float:
    """The daily MAPE above which a model's light is red (dbt var model_health_thresholds)."""
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    return float(project["vars"]["model_health_thresholds"]["daily_mape"]["yellow"])


def read_diagnostics(model_file: Path) -> dict | None:
    """The fit's diagnostics.json beside its model.json, or None (a model copied alone)."""
    path = model_file.with_name("diagnostics.json")
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def red_checks(diagnostics: dict | None) -> list[str]:
    """The daily-error checks whose light is red, in words: 'error diario … 61,0%'."""
    limit = daily_mape_red_above()
    found = []
    for key, words in DAILY_ERROR_CHECKS.items():
        mape = ((diagnostics or {}).get(key) or {}).get("mape")
        if mape is not None and mape > limit:
            found.append(f"{words} {format_percent(mape)}")
    return found


def experiment_sentence(model: MarketingMixModel, channel: str, subject: str) -> str:
    """'<subject> 28 días (o en la mitad de las regiones durante 112 días) mediría …', the
    pages' words for the test that would measure ``channel``."""
    design = design_experiment(model, channel)
    outcome = (
        "mediría su efecto con un error de ±25%."
        if design.feasible
        else "daría una primera medida (su efecto es pequeño frente al ruido de los datos)."
    )
    return (
        f"{subject} {design.days} días (o en la mitad de las regiones durante "
        f"{design.geo_days} días) {outcome}"
    )


def verdict_lines(
    plan: pd.DataFrame, model: MarketingMixModel, diagnostics: dict | None
) -> list[str]:
    """The plan judged by its evidence (``plan`` as ``budget.plan_budget`` returns it)."""
    first = plan.iloc[0]
    level = format_percent(model.interval, 0)
    low = format_integer(first.scenario_change_low)
    high = format_integer(first.scenario_change_high)
    meaning = f"Con {level} de probabilidad, según el modelo, el cambio queda entre {low} y {high}"
    red = red_checks(diagnostics)
    lines = []
    if red:
        lines.append(
            f"Mantener: el modelo tiene luz roja ({'; '.join(red)}), así que los datos no "
            "distinguen este reparto de seguir como hoy."
        )
    elif not first.scenario_change_low > 0:
        below = first.scenario_change_high < 0
        lines.append(
            "Mantener: los datos no distinguen este reparto de seguir como hoy. "
            f"{meaning}, {'es decir, una pérdida' if below else 'lo que incluye no ganar nada'}."
        )
    else:
        lines.append(f"{meaning}.")
    moves = (plan["optimal_spend"] - plan["current_spend"]).abs()
    moved = moves >= MIN_MOVE_SHARE * plan["current_spend"]
    deciding = None
    if lines[0].startswith("Mantener") and moved.any():
        deciding = str(plan.loc[moves[moved].idxmax(), "channel"])
        lines.append(experiment_sentence(model, deciding, f"Para decidirlo, apagar {deciding}"))
    for channel in plan.loc[~plan["identified"].astype(bool), "channel"].astype(str):
        if channel != deciding:
            test = experiment_sentence(model, channel, "apagarlo")
            lines.append(f"Sin datos para juzgar {channel}: {test}")
    return lines
