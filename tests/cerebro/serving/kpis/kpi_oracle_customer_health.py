"""An independent pandas implementation of the customer health score and the customer page's
probabilities (doc blocks kpi_customer_health and kpi_customer_life_line), from the raw
Shopify tables (the oracle's `Shop`), the raw transactions and the customer brain's fitted
parameters; P(alive) comes from lifetimes' fitter of the tenant's purchase model (BG/NBD or
MBG/NBD, as the customer brain chose it), not from our code. Parameters
(windows, weights, bands) are read from dbt_project.yml's var, as a deployment sets them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from lifetimes import BetaGeoFitter, ModifiedBetaGeoFitter

from tests.cerebro.serving.kpis.kpi_oracle import Shop

DBT_PROJECT = Path(__file__).resolve().parents[4] / "dbt_project" / "dbt_project.yml"
FAILED_KINDS = {"SALE", "AUTHORIZATION", "CAPTURE"}
#: lifetimes' fitter of each purchase model the customer brain may choose (decision 0045).
LIFETIMES_FITTERS = {"bgnbd": BetaGeoFitter, "mbgnbd": ModifiedBetaGeoFitter}


def health_settings() -> dict:
    return yaml.safe_load(DBT_PROJECT.read_text(encoding="utf-8"))["vars"]["customer_health_score"]


def model_run(warehouse, tenant_id: str) -> dict:
    """The tenant's latest purchase model, its fitted parameters (kept in the bgnbd_ columns
    whichever model it is) and cut-off (the model's output table)."""
    runs = warehouse.query(
        "select cutoff_date, predicted_at, purchase_model, "
        "bgnbd_r, bgnbd_alpha, bgnbd_a, bgnbd_b "
        "from ml.ml_clv_model_runs where tenant_id = %(tenant_id)s",
        {"tenant_id": tenant_id},
    ).sort_values(["cutoff_date", "predicted_at"])
    run = runs.iloc[-1]
    return {
        "cutoff": pd.Timestamp(run["cutoff_date"]).date(),
        "purchase_model": run["purchase_model"],
        "params": pd.Series({k: float(run[f"bgnbd_{k}"]) for k in ("r", "alpha", "a", "b")}),
    }


def prob_alive(run: dict, x, t_x, age) -> np.ndarray:
    """P(alive) by lifetimes, for the run's purchase model and parameters."""
    fitter = LIFETIMES_FITTERS[run["purchase_model"]]()
    fitter.params_ = run["params"]
    return np.asarray(fitter.conditional_probability_alive(x, t_x, age), dtype=float)


def prob_purchase_within(days: float, params: pd.Series, x, age, alive, draws: int = 400_000,
                         seed: int = 7) -> float:  # fmt: skip
    """P(a purchase within ``days``) by simulation: alive with probability ``alive``, then a
    Poisson rate drawn from its posterior Gamma(r + x, alpha + T) (the rate of a live
    customer) must produce a purchase within the window."""
    rng = np.random.default_rng(seed)
    rates = rng.gamma(params["r"] + x, 1.0 / (params["alpha"] + age), size=draws)
    buys = rng.random(draws) < 1.0 - np.exp(-rates * days)
    return float(np.mean((rng.random(draws) < alive) & buys))


def purchase_days(shop: Shop) -> pd.DataFrame:
    """One row per customer and local day with a valid order (the customer brain's
    transactions)."""
    valid = shop.orders[shop.orders["is_valid"] & shop.orders["customer_id"].notna()]
    return valid[["customer_id", "created_date"]].drop_duplicates()


def failed_payment_orders(warehouse, tenant_id: str) -> set:
    transactions = warehouse.query(
        "select order_id, kind, status from raw_shopify.transactions "
        "where tenant_id = %(tenant_id)s",
        {"tenant_id": tenant_id},
    )
    failed = transactions["kind"].str.upper().isin(FAILED_KINDS) & (
        transactions["status"].str.upper() == "FAILURE"
    )
    return set(transactions.loc[failed, "order_id"])


def _histories(days: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    seen = days[days["created_date"].map(lambda d: d <= as_of)]
    grouped = seen.groupby("customer_id")["created_date"]
    frame = pd.DataFrame({"first": grouped.min(), "last": grouped.max(), "n": grouped.size()})
    frame["x"] = frame["n"] - 1
    frame["t_x"] = [(b - a).days for a, b in zip(frame["first"], frame["last"], strict=True)]
    frame["age"] = [(as_of - a).days for a in frame["first"]]
    frame["days_since"] = [(as_of - b).days for b in frame["last"]]
    return frame


def _window_counts(days: pd.DataFrame, as_of: dt.date, start: int, end: int) -> pd.Series:
    """Purchase days per customer in (as_of - start, as_of - end]."""
    low, high = as_of - dt.timedelta(days=start), as_of - dt.timedelta(days=end)
    inside = days[days["created_date"].map(lambda d: low < d <= high)]
    return inside.groupby("customer_id").size()


def _order_quality(shop: Shop, failed: set, as_of: dt.date, window: int) -> pd.DataFrame:
    low = as_of - dt.timedelta(days=window)
    orders = shop.orders[shop.orders["customer_id"].notna()]
    orders = orders[orders["created_date"].map(lambda d: low < d <= as_of)].copy()
    rating = pd.to_numeric(orders["rating"], errors="coerce")
    orders["rating"] = rating.where((rating >= 1) & (rating <= 5))
    orders["bad"] = orders["is_cancelled"] | (orders["refunded"] > 0)
    orders["failed"] = orders["order_id"].isin(failed)
    grouped = orders.groupby("customer_id")
    return pd.DataFrame(
        {"orders": grouped.size(), "mean_rating": grouped["rating"].mean(),
         "bad": grouped["bad"].sum(), "failed": grouped["failed"].sum()}
    )  # fmt: skip


def health_week(shop: Shop, days: pd.DataFrame, failed: set, run: dict,
                as_of: dt.date, settings: dict) -> pd.DataFrame:  # fmt: skip
    """Every customer's signals, score and band as of one week end."""
    frame = _histories(days, as_of)
    frame["prob_alive"] = prob_alive(run, frame["x"], frame["t_x"], frame["age"])
    repeat = frame[frame["x"] > 0]
    tenant_rhythm = (repeat["t_x"] / repeat["x"]).mean() if len(repeat) else np.nan
    rhythm = np.where(frame["x"] > 0, frame["t_x"] / frame["x"].clip(lower=1), tenant_rhythm)
    late = settings["recency_late_rhythms"]
    frame["recency"] = np.clip(1 - (frame["days_since"] / rhythm - 1) / (late - 1), 0, 1)
    trend = settings["trend_window_days"]
    recent = _window_counts(days, as_of, trend, 0).reindex(frame.index, fill_value=0)
    previous = _window_counts(days, as_of, 2 * trend, trend).reindex(frame.index, fill_value=0)
    total = recent + previous
    frame["frequency_trend"] = (recent / total).where(total > 0)
    quality = _order_quality(shop, failed, as_of, settings["quality_window_days"])
    quality = quality.reindex(frame.index)
    frame["ratings"] = (quality["mean_rating"] - 1) / 4
    frame["cancellations_refunds"] = 1 - quality["bad"] / quality["orders"]
    frame["payment_failures"] = 1 - quality["failed"] / quality["orders"]
    weights = pd.Series(settings["weights"], dtype=float)
    signals = frame[list(weights.index)].astype(float)
    present = signals.notna()
    frame["health_score"] = (
        100 * (signals.fillna(0) * weights).sum(axis=1) / (present * weights).sum(axis=1)
    )
    frame["health_band"] = [band_of(score, settings["bands"]) for score in frame["health_score"]]
    frame["as_of_date"] = as_of
    return frame.reset_index()


def band_of(score: float, bands: list[dict]) -> str:
    return next(band["band"] for band in bands if score >= band["min_score"])


def health_weeks(shop: Shop, warehouse) -> pd.DataFrame:
    """The score of every customer at every week end the mart covers, with the band drop."""
    settings, run = health_settings(), model_run(warehouse, shop.tenant_id)
    days, failed = purchase_days(shop), failed_payment_orders(warehouse, shop.tenant_id)
    weeks = [run["cutoff"] - dt.timedelta(days=7 * k) for k in range(settings["weeks"])]
    frame = pd.concat(
        [health_week(shop, days, failed, run, week, settings) for week in weeks]
    ).sort_values(["customer_id", "as_of_date"])
    rank = {band["band"]: i for i, band in enumerate(settings["bands"])}
    ranks = frame["health_band"].map(rank)
    previous = ranks.groupby(frame["customer_id"]).shift()
    frame["is_band_drop"] = (ranks > previous).fillna(False).astype(bool)
    frame["previous_health_band"] = frame.groupby("customer_id")["health_band"].shift()
    return frame


def customer_health_kpis(weeks: pd.DataFrame, date_from: dt.date, date_to: dt.date) -> dict:
    """get_customer_health_kpis' shape from the oracle's weekly scores."""
    inside = weeks[weeks["as_of_date"].map(lambda d: date_from <= d <= date_to)]
    if inside.empty:
        return {
            "as_of_date": None,
            "mean_health_score": None,
            "band_drops_count": 0,
            "band_distribution": [],
            "band_history": [],
            "band_drops": [],
        }
    as_of = inside["as_of_date"].max()
    last = inside[inside["as_of_date"] == as_of]
    counts = last["health_band"].value_counts()
    bands = [b["band"] for b in health_settings()["bands"]]
    drops = last[last["is_band_drop"]]
    rank = {band: i for i, band in enumerate(bands)}
    history = inside.groupby(["as_of_date", "health_band"]).size()
    history = history.sort_index(key=lambda index: index.map(lambda v: rank.get(v, v)))
    return {
        "as_of_date": str(as_of),
        "mean_health_score": float(last["health_score"].mean()),
        "band_drops_count": len(drops),
        "band_distribution": [
            {"health_band": band, "customers": int(counts[band]), "share": counts[band] / len(last)}
            for band in bands
            if band in counts
        ],
        "band_history": [
            {"as_of_date": str(day), "health_band": band, "customers": int(n)}
            for (day, band), n in history.items()
        ],
        "band_drops": sorted(drops["customer_id"]),
    }
