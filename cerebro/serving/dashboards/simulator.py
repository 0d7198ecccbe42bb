"""The static Simulador's data: every posterior draw of the fitted response curves, and what a
budget plan needs besides, embedded in the page so that ``cerebro.js`` plans any budget and
values any move between channels in the browser, offline.

The curves are the very ones ``cerebro mmm optimize`` plans on (``ml_assets/mmm/budget.py``):
the model's JSON document (``marts.mart_budget_models``) is read back into the model, and from
it come, per channel, each draw's Hill parameters and sorted spend profile (the intervals are
the draws' percentiles, as ``summary.interval`` takes them), the table of the posterior mean
curve the optimizer's first search runs on (``summary.tabulated_response``: slopes on a grid,
values their exact integral), the same curve by exact values and slopes that its grid optimum
reads (``summary.hermite_response``; the browser's last search runs on it too, where the
optimizer's runs on the curve itself, a millionth away), the current spend, whether the data
identify the channel (the others move only together, as one pool in today's proportions) and
the experiment that would measure it.
The plan's objective weights come from the advice the platform wrote (the value of a new
customer per channel for the customer-value objective, ``marts.mart_budget_channel_advice``)
and the model's health light from ``marts.mart_budget_objective_health``, so the page abstains
where the pages and the terminal abstain (decision 0050).
"""

from __future__ import annotations

import json

import numpy as np

from cerebro.formatting import (
    currency_affixes,
    is_missing,
    locale_for,
    minor_unit,
    number_separators,
    percent_suffix,
)
from cerebro.warehouse import Warehouse
from ml_assets.mmm.budget import DEFAULT_MAX_RATIO
from ml_assets.mmm.experiments import RELATIVE_ERROR, design_experiment
from ml_assets.mmm.optimizer import GRID_UNITS
from ml_assets.mmm.persistence import ModelFileError, model_from_dict
from ml_assets.mmm.recommendation import MIN_MOVE_SHARE
from ml_assets.mmm.summary import hermite_response, identified_channels, tabulated_response

#: The period the Simulador plans over (its budgets are amounts in these days), as the
#: precomputed scenarios (``ml_assets/mmm/scenarios.py``).
PLAN_DAYS = 30
#: The objectives the Simulador plans for (net_value is no Simulador objective: its plans may
#: leave budget unspent, ``ml_assets/mmm/tenant.py``).
OBJECTIVES = ("ltv", "revenue", "new_customers")
#: Significant digits kept in the page: parameters, and each draw's spend profile. Six digits
#: move a plan's spend by far less than a peso in a million; the profile's five, its values by
#: about 1e-5 of themselves.
PARAMETER_DIGITS = 6
PROFILE_DIGITS = 5

MODELS_SQL = """
    select target, model_document
    from marts.mart_budget_models
    where tenant_id = %(tenant_id)s
    order by target"""
OBJECTIVES_SQL = """
    select objective, target, objective_label, is_money_objective, channel_group,
        value_per_unit
    from marts.mart_budget_channel_advice
    where tenant_id = %(tenant_id)s and objective in ('ltv', 'revenue', 'new_customers')
    order by objective, channel_group"""
HEALTH_SQL = """
    select objective, is_health_red, red_checks_text
    from marts.mart_budget_objective_health
    where tenant_id = %(tenant_id)s"""


def _rounded(values, digits: int) -> list:
    """Floats to ``digits`` significant digits (JSON numbers, shortest form)."""
    return [float(f"{value:.{digits}g}") for value in np.asarray(values, dtype=float).ravel()]


def _channel(model, name: str, identified: bool) -> dict:
    """One channel's curves, per model period (spend per period -> target per period)."""
    c = model.channels_.index(name)
    curves = model.response(name)
    # The optimizer's own table and Hermite pieces, at their usual reach (ten times the larger
    # of today's and the mean spend: a plan up to 300 % of the budget stays inside).
    table = tabulated_response(model, name, 0.0).response
    hermite = hermite_response(model, name, 0.0).response
    design = design_experiment(model, name)
    return {
        "name": name,
        # Per day, as the optimizer's bounds and the pages' spend.
        "current": float(model.current_spend_[c] / model.period_days),
        "mean": float(model.mean_spend_[c] / model.period_days),
        "identified": bool(identified),
        "table": {
            "spend": _rounded(table.spend, 12),
            "marginals": _rounded(table.marginals, 12),
            "values": _rounded(table.values, 12),
        },
        "hermite": {
            "spend": _rounded(hermite.spend, 12),
            "values": _rounded(hermite.values, 12),
            "marginals": _rounded(hermite.marginals, 12),
        },
        "coefficient": _rounded(curves.coefficient, PARAMETER_DIGITS),
        "half_saturation": _rounded(curves.half_saturation, PARAMETER_DIGITS),
        "shape": _rounded(curves.shape, PARAMETER_DIGITS),
        "profiles": [_rounded(row, PROFILE_DIGITS) for row in curves.profiles],
        "experiment": {
            "days": design.days,
            "geo_days": design.geo_days,
            "feasible": bool(design.feasible),
        },
    }


def model_payload(document: str) -> dict:
    """One fitted model's curves for the page, from its JSON document."""
    model = model_from_dict(json.loads(document))
    identified = identified_channels(model)
    return {
        "period_days": model.period_days,
        "interval": model.interval,
        "channels": [_channel(model, name, identified[name]) for name in model.channels_],
    }


def _objectives(warehouse: Warehouse, tenant_id: str, targets: set[str]) -> list[dict]:
    frame = warehouse.query(OBJECTIVES_SQL, {"tenant_id": tenant_id})
    health = warehouse.query(HEALTH_SQL, {"tenant_id": tenant_id})
    red = {
        row.objective: (
            bool(row.is_health_red),
            "" if is_missing(row.red_checks_text) else str(row.red_checks_text),
        )
        for row in health.itertuples(index=False)
    }
    objectives = []
    for key in OBJECTIVES:
        rows = frame[frame["objective"] == key]
        if rows.empty or rows["target"].iloc[0] not in targets:
            continue
        first = rows.iloc[0]
        is_red, red_text = red.get(key, (False, ""))
        objectives.append(
            {
                "key": key,
                "label": first["objective_label"],
                "target": first["target"],
                "money": bool(first["is_money_objective"]),
                # The value of one unit of the target per channel: 1 but for customer value.
                "values": {
                    row.channel_group: float(row.value_per_unit)
                    for row in rows.itertuples(index=False)
                    if not is_missing(row.value_per_unit)
                },
                "red": is_red,
                "red_text": red_text,
            }
        )
    return objectives


def locale_payload(currency: str) -> dict:
    """How ``cerebro.js`` writes and reads numbers in the tenant's locale
    (``cerebro.formatting``): separators, the currency's affixes and minor unit."""
    locale = locale_for(currency)
    separators = number_separators(locale)
    prefix, suffix = currency_affixes(currency)
    return {
        "decimal": separators[0],
        "group": separators[1],
        "currency_prefix": prefix,
        "currency_suffix": suffix,
        "currency_decimals": minor_unit(currency),
        "percent_suffix": percent_suffix(locale),
    }


def simulator_payload(
    warehouse: Warehouse, tenant_id: str, currency: str, default_objective: str | None = None
) -> dict | None:
    """Everything the browser needs to plan for ``tenant_id``, or None when the tenant has no
    fitted model (no paid channel, or the budget brain has not run)."""
    models = {}
    for row in warehouse.query(MODELS_SQL, {"tenant_id": tenant_id}).itertuples(index=False):
        try:
            models[row.target] = model_payload(row.model_document)
        except ModelFileError:
            continue  # a model of an older release: the page says it has no curves
    objectives = _objectives(warehouse, tenant_id, set(models))
    if not objectives:
        return None
    return page_data(models, objectives, currency, default_objective)


def page_data(models: dict, objectives: list[dict], currency: str, default_objective=None):
    """The page's data from each target's ``model_payload`` and the objectives (key, label,
    target, money, values per channel, red, red_text); ``default_objective`` is a label."""
    labels = [objective["label"] for objective in objectives]
    return {
        "plan_days": PLAN_DAYS,
        "max_ratio": DEFAULT_MAX_RATIO,
        "grid_units": GRID_UNITS,
        "min_move_share": MIN_MOVE_SHARE,
        "relative_error": RELATIVE_ERROR,
        "currency": currency,
        "locale": locale_payload(currency),
        "default_objective": objectives[labels.index(default_objective)]["key"]
        if default_objective in labels
        else objectives[0]["key"],
        "models": models,
        "objectives": objectives,
    }
