"""Budget scenarios precomputed for the Metabase "Simulador": a grid of total budgets and
named scenarios from a YAML file (``cerebro/scenarios.yml``).

A scenario is a budget relative to the current one (``budget_ratio``), a period, and optional
per-channel bounds (absolute ``min``/``max`` over the period, or ``min_ratio``/``max_ratio``
relative to the channel's current spend).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ml_assets.mmm.budget import ChannelBound, plan_budget
from ml_assets.mmm.model import MarketingMixModel
from ml_assets.mmm.optimizer import InfeasibleBudgetError

GRID_RATIOS = tuple(np.round(np.arange(0.1, 3.0001, 0.1), 2))
_BOUND_KEYS = {"min", "max", "min_ratio", "max_ratio"}


class ScenarioFileError(ValueError):
    """The scenarios file is malformed; the message names the scenario and the field."""


@dataclass(frozen=True)
class Scenario:
    name: str
    budget_ratio: float
    period_days: int = 30
    bounds: dict[str, ChannelBound] = field(default_factory=dict)
    kind: str = "named"


def grid_scenarios(ratios=GRID_RATIOS, period_days: int = 30) -> list[Scenario]:
    """Total budget from 10 % to 300 % of the current one, in steps of 10 points: the
    Simulador interpolates between them for any budget typed in that range."""
    return [
        Scenario(f"Presupuesto {ratio:.0%}", float(ratio), period_days, kind="grid")
        for ratio in ratios
    ]


def parse_scenarios(data: dict) -> list[Scenario]:
    """Scenarios from the parsed YAML document ``{"scenarios": [...]}``."""
    if not isinstance(data, dict) or not isinstance(data.get("scenarios"), list):
        raise ScenarioFileError("the scenarios file needs a top-level list 'scenarios'")
    scenarios, names = [], set()
    for position, item in enumerate(data["scenarios"], start=1):
        if not isinstance(item, dict) or not item.get("name"):
            raise ScenarioFileError(f"scenario #{position} needs a name")
        name = str(item["name"])
        if name in names:
            raise ScenarioFileError(f"scenario {name!r} is defined twice")
        names.add(name)
        unknown = set(item) - {"name", "budget_ratio", "period_days", "bounds"}
        if unknown:
            raise ScenarioFileError(f"scenario {name!r}: unknown fields {sorted(unknown)}")
        try:
            ratio = float(item.get("budget_ratio", 1.0))
            period = int(item.get("period_days", 30))
        except (TypeError, ValueError) as error:
            raise ScenarioFileError(f"scenario {name!r}: {error}") from error
        if ratio < 0 or period <= 0:
            raise ScenarioFileError(f"scenario {name!r}: budget_ratio >= 0, period_days > 0")
        bounds = {}
        for channel, limits in (item.get("bounds") or {}).items():
            if not isinstance(limits, dict) or not set(limits) <= _BOUND_KEYS:
                raise ScenarioFileError(
                    f"scenario {name!r}: bounds of {channel!r} take {sorted(_BOUND_KEYS)}"
                )
            bounds[str(channel)] = ChannelBound(**{k: float(v) for k, v in limits.items()})
        scenarios.append(Scenario(name, ratio, period, bounds))
    return scenarios


def load_scenarios(path: Path) -> list[Scenario]:
    """Named scenarios from a YAML file."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ScenarioFileError(f"cannot read scenarios from {path}: {error}") from error
    return parse_scenarios(data)


def run_scenarios(
    model: MarketingMixModel,
    scenarios: list[Scenario],
    *,
    values: dict[str, float] | None = None,
    seed: int = 0,
) -> tuple[pd.DataFrame, list[str]]:
    """Every scenario's plan stacked (scenario, scenario_kind, budget_ratio, period_days,
    total_budget + the ``plan_budget`` columns), and the scenarios skipped with the reason
    (bounds on channels this model does not have, or bounds the budget cannot meet)."""
    frames, skipped = [], []
    for scenario in scenarios:
        missing = sorted(set(scenario.bounds) - set(model.channels_))
        if missing:
            skipped.append(f"{scenario.name}: no channel {missing} in this model")
            continue
        current_total = float(model.current_spend_.sum() / model.period_days)
        total = scenario.budget_ratio * current_total * scenario.period_days
        try:
            plan = plan_budget(
                model,
                total,
                period_days=scenario.period_days,
                bounds=scenario.bounds,
                values=values,
                seed=seed,
            )
        except InfeasibleBudgetError as error:
            skipped.append(f"{scenario.name}: {error}")
            continue
        plan.insert(0, "total_budget", total)
        plan.insert(0, "period_days", scenario.period_days)
        plan.insert(0, "budget_ratio", scenario.budget_ratio)
        plan.insert(0, "scenario_kind", scenario.kind)
        plan.insert(0, "scenario", scenario.name)
        frames.append(plan)
    return (pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()), skipped
