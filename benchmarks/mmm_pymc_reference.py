"""pymc-marketing's MMM on one dataset, for ``mmm_benchmark.py`` and ``mmm_pymc_cache.py``.

Runs in a separate Python >= 3.12 environment with pymc-marketing installed (the project runs
3.11); the callers start it as a subprocess:

    python benchmarks/mmm_pymc_reference.py --train train.csv --full full.csv --out out.json \
        --channels search,social,video,display --controls organic_clicks \
        --events holiday,commercial_event --target revenue

Both CSVs have a ``date`` column, the target and the named columns; ``full`` is ``train``
followed by the held-out days. Without the column options it reads the old simulator's
columns (search, social, video; organic_clicks; holiday, commercial_event; revenue).

The model is pymc-marketing's documented default MMM: geometric adstock (normalized, 14
weights = our daily max lag 13; ``--l-max 9`` for weekly rows, our weekly max lag 8), logistic
saturation, default priors, yearly Fourier seasonality
(2 terms), the controls and events as given (a control that is not 0/1 is divided by its
training mean, since pymc-marketing does not scale controls), NUTS.

``--baseline-controls`` (off unless passed) gives the model the baseline terms the default MMM
lacks, as extra control columns computed from ``date`` in both frames, with the default
control prior: a linear trend ``trend = days since the first training day / days the training
rows cover`` (the same formula on the held-out days, so it extrapolates past 1) and, on daily
rows, six day-of-week dummies ``weekday_tue`` .. ``weekday_sun`` (Monday is the reference day;
weekly rows have no weekday to tell apart). The model is fitted twice
with the same settings on fresh MMM objects: the first fit pays PyTensor's compilation
(``fit_seconds``), the second is the warm time (``warm_fit_seconds``); results come from the
first. It writes both times, the posterior draws of each channel's summed contribution over
the training window, the posterior-mean prediction of the held-out days, and thinned draws of
the media parameters so that the benchmark can rebuild each channel's response curve.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

import numpy as np
import pandas as pd

CHANNELS = "search,social,video"
CONTROLS = "organic_clicks"
EVENTS = "holiday,commercial_event"
L_MAX = 14
CURVE_DRAWS = 100
#: Day-of-week dummies for Tuesday (dayofweek 1) .. Sunday (6); Monday (0) is the reference.
WEEKDAYS = ("tue", "wed", "thu", "fri", "sat", "sun")


def _names(text: str) -> list[str]:
    """``"a, b"`` -> ``["a", "b"]``; an empty string gives no names."""
    return [name.strip() for name in text.split(",") if name.strip()]


def _scale_controls(train: pd.DataFrame, full: pd.DataFrame, controls: list[str]) -> None:
    """Divide each control that is not a 0/1 flag by its training mean, in both frames."""
    for name in controls:
        values = train[name]
        if values.isin([0, 1]).all():
            continue
        mean = values.mean()
        if mean != 0:
            for frame in (train, full):
                frame[name] = frame[name] / mean


def _add_baseline_controls(train: pd.DataFrame, full: pd.DataFrame) -> list[str]:
    """Add the trend and (daily rows only) day-of-week dummies to both frames; returns their
    column names.

    ``trend`` is the number of days since the first training day over the days the training
    rows cover, so it runs from 0 to just under 1 on the training rows and keeps rising on the
    held-out ones."""
    step_days = int(train["date"].diff().dt.days.min()) if len(train) > 1 else 1
    daily = step_days == 1
    names = ["trend", *(f"weekday_{day}" for day in WEEKDAYS if daily)]
    clashes = [name for name in names if name in train.columns or name in full.columns]
    if clashes:
        raise ValueError(f"--baseline-controls would overwrite the columns {clashes}")
    start, train_days = train["date"].min(), len(train) * step_days
    for frame in (train, full):
        frame["trend"] = (frame["date"] - start).dt.days / train_days
        if not daily:
            continue
        weekday = frame["date"].dt.dayofweek
        for number, day in enumerate(WEEKDAYS, start=1):
            frame[f"weekday_{day}"] = (weekday == number).astype(float)
    return names


def _fit(train: pd.DataFrame, columns: list[str], args, controls: list[str]):
    """A fresh default MMM fitted on ``train``; returns it and the fit's seconds."""
    from pymc_marketing.mmm import MMM, GeometricAdstock, LogisticSaturation

    model = MMM(
        date_column="date",
        target_column=args.target,
        channel_columns=args.channels,
        control_columns=controls or None,
        adstock=GeometricAdstock(l_max=args.l_max),
        saturation=LogisticSaturation(),
        yearly_seasonality=2,
    )
    started = time.perf_counter()
    model.fit(
        X=train[columns],
        y=train[args.target],
        chains=args.chains,
        cores=1,
        draws=args.draws,
        tune=args.tune,
        random_seed=args.seed,
        progressbar=False,
    )
    return model, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("--train", "--full", "--out"):
        parser.add_argument(name, required=True)
    parser.add_argument("--channels", type=_names, default=CHANNELS, help="Comma-separated.")
    parser.add_argument("--controls", type=_names, default=CONTROLS, help="Continuous or 0/1.")
    parser.add_argument("--events", type=_names, default=EVENTS, help="0/1 columns.")
    parser.add_argument("--target", default="revenue")
    parser.add_argument("--l-max", type=int, default=L_MAX, help="Adstock weights (rows).")
    parser.add_argument("--draws", type=int, default=500)
    parser.add_argument("--tune", type=int, default=500)
    parser.add_argument("--chains", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--baseline-controls",
        action="store_true",
        help="Add a linear trend and day-of-week dummies (Monday the reference) as controls.",
    )
    args = parser.parse_args()
    warnings.filterwarnings("ignore")

    channels = args.channels
    controls = list(dict.fromkeys([*args.controls, *args.events]))  # in order, no repeats
    train = pd.read_csv(args.train, parse_dates=["date"])
    full = pd.read_csv(args.full, parse_dates=["date"])
    if controls:
        for frame in (train, full):
            frame[controls] = frame[controls].astype(float)
    _scale_controls(train, full, args.controls)
    if args.baseline_controls:
        controls += _add_baseline_controls(train, full)
    columns = ["date", *channels, *controls]

    model, fit_seconds = _fit(train, columns, args, controls)
    _, warm_fit_seconds = _fit(train, columns, args, controls)
    posterior = model.idata.posterior
    scales = model.get_scales_as_xarray()
    target_scale = float(scales["target_scale"])
    channel_scale = scales["channel_scale"].sel(channel=channels).to_numpy()
    contribution = posterior["channel_contribution"].sel(channel=channels)
    sums = contribution.sum("date").stack(sample=("chain", "draw")).transpose("sample", ...)

    holdout = full.iloc[len(train) :]
    predicted = np.array([])
    if len(holdout):
        predictive = model.sample_posterior_predictive(
            holdout[columns], extend_idata=False, include_last_observations=True,
            progressbar=False, random_seed=args.seed,
        )  # fmt: skip
        # pymc-marketing 1.3 predicts y on its scaled target (max-abs scaling of the training y).
        predicted = predictive["y"].mean("sample").to_numpy() * target_scale

    rng = np.random.default_rng(args.seed)
    flat = {
        name: posterior[name].stack(sample=("chain", "draw")).transpose("sample", ...).to_numpy()
        for name in ("adstock_alpha", "saturation_lam", "saturation_beta")
    }
    samples = len(flat["adstock_alpha"])
    picked = rng.choice(samples, size=min(CURVE_DRAWS, samples), replace=False)
    result = {
        "fit_seconds": fit_seconds,
        "warm_fit_seconds": warm_fit_seconds,
        "channels": channels,
        "target_scale": target_scale,
        "channel_scale": channel_scale.tolist(),
        "l_max": args.l_max,
        "contribution_sums": (sums.to_numpy() * target_scale).tolist(),
        "holdout_predicted": predicted.tolist(),
        "divergences": int(model.idata.sample_stats["diverging"].sum()),
        "control_columns": controls,
        "draws": {name: values[picked].tolist() for name, values in flat.items()},
        "settings": {
            "draws": args.draws,
            "tune": args.tune,
            "chains": args.chains,
            "seed": args.seed,
            "target": args.target,
            "controls": args.controls,
            "events": args.events,
            "baseline_controls": args.baseline_controls,
            "l_max": args.l_max,
        },
    }
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(result, handle)


if __name__ == "__main__":
    main()
