"""Fitted models as plain JSON (parameters, fit facts, model version), never pickle."""

from __future__ import annotations

import json
from pathlib import Path

from ml_assets.clv.gamma_gamma import GammaGammaModel
from ml_assets.clv.model_choice import PURCHASE_MODELS
from ml_assets.clv.predict import MODEL_VERSION, CustomerValue
from ml_assets.clv.purchase_model import PurchaseModel

TIME_UNIT = "days"


def parameters_document(result: CustomerValue) -> dict:
    """The fitted parameters in the papers' notation (r, alpha, a, b of the chosen purchase
    model, ``purchase_model``; p, q, v, null when Gamma-Gamma was not used), why that model,
    log-likelihoods, time unit and what the fit saw."""
    purchases = result.purchases.to_dict()
    gamma_gamma = result.gamma_gamma.to_dict() if result.gamma_gamma is not None else None
    spend = result.spend
    return {
        "model_version": MODEL_VERSION,
        "cutoff_date": result.cutoff.isoformat(),
        "time_unit": TIME_UNIT,
        "purchase_model": purchases["model"],
        "purchase_model_reason": result.choice.reason,
        "backtest_candidates": json.loads(result.choice.backtests_json()),
        **purchases["params"],
        **(gamma_gamma["params"] if gamma_gamma else {"p": None, "q": None, "v": None}),
        "purchase_log_likelihood": purchases["log_likelihood"],
        "gamma_gamma_log_likelihood": gamma_gamma["log_likelihood"] if gamma_gamma else None,
        "penalizer": result.purchases.penalizer,
        "monthly_discount_rate": result.settings.monthly_discount_rate,
        "customers": len(result.predictions),
        "repeat_buyers": result.repeat_buyers,
        "distinct_histories": purchases["n_distinct_histories"],
        "gamma_gamma_fit_customers": spend.fit_customers,
        "spend_fallback": spend.is_fallback,
        "spend_fallback_reason": spend.fallback_reason,
        "fallback_spend_per_purchase": spend.fallback_spend,
        "outlier_threshold": spend.outlier_threshold,
        "outlier_transactions": spend.outlier_transactions,
        "frequency_spend_correlation": spend.correlation,
        "models": {"purchases": purchases, "gamma_gamma": gamma_gamma},
        "warnings": list(result.warnings),
    }


def write_parameters(result: CustomerValue, path: Path) -> None:
    """``parameters_document`` as an indented JSON file. Not atomic by itself: ``cerebro
    clv`` passes a temporary path and renames it with the predictions once both are complete
    (``cerebro.output_files``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(parameters_document(result), indent=2), encoding="utf-8")


def load_models(document: dict) -> tuple[PurchaseModel, GammaGammaModel | None]:
    """The fitted models of a ``parameters_document`` (no refit), to score new histories."""
    if document.get("model_version") != MODEL_VERSION:
        raise ValueError(
            f"parameters of model version {document.get('model_version')!r}; "
            f"this code is {MODEL_VERSION!r}: refit"
        )
    models = document["models"]
    purchases = models["purchases"]
    if purchases.get("model") not in PURCHASE_MODELS:
        raise ValueError(f"unknown purchase model {purchases.get('model')!r}: refit")
    gamma_gamma = models.get("gamma_gamma")
    return (
        PURCHASE_MODELS[purchases["model"]].from_dict(purchases),
        GammaGammaModel.from_dict(gamma_gamma) if gamma_gamma else None,
    )
