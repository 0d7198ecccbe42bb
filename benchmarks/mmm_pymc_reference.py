"""pymc-marketing's MMM on one simulated dataset, for ``mmm_benchmark.py`` (not imported by it).

Runs in a separate Python >= 3.12 environment with pymc-marketing installed (the project runs
3.11); ``mmm_benchmark.py`` starts it as a subprocess:

    python benchmarks/mmm_pymc_reference.py --train train.csv --full full.csv --out out.json

The model is pymc-marketing's documented default MMM: geometric adstock (normalized, 14
weights = our max lag 13), logistic saturation, yearly Fourier seasonality, the controls as
given (organic clicks divided by their mean, since pymc-marketing does not scale controls),
NUTS. It writes the fit time, the posterior draws of each channel's summed contribution over
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

CHANNELS = ["search", "social", "video"]
CONTROLS = ["organic_clicks", "holiday", "commercial_event"]
CURVE_DRAWS = 100


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("--train", "--full", "--out"):
        parser.add_argument(name, required=True)
    parser.add_argument("--draws", type=int, default=500)
    parser.add_argument("--tune", type=int, default=500)
    parser.add_argument("--chains", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    from pymc_marketing.mmm import MMM, GeometricAdstock, LogisticSaturation

    train = pd.read_csv(args.train, parse_dates=["date"])
    full = pd.read_csv(args.full, parse_dates=["date"])
    scale = train["organic_clicks"].mean()
    for frame in (train, full):
        frame["organic_clicks"] = frame["organic_clicks"] / scale
    columns = ["date", *CHANNELS, *CONTROLS]
    model = MMM(
        date_column="date",
        target_column="revenue",
        channel_columns=CHANNELS,
        control_columns=CONTROLS,
        adstock=GeometricAdstock(l_max=14),
        saturation=LogisticSaturation(),
        yearly_seasonality=2,
    )
    started = time.perf_counter()
    model.fit(
        X=train[columns],
        y=train["revenue"],
        chains=args.chains,
        cores=1,
        draws=args.draws,
        tune=args.tune,
        random_seed=args.seed,
        progressbar=False,
    )
    fit_seconds = time.perf_counter() - started
    posterior = model.idata.posterior
    scales = model.get_scales_as_xarray()
    target_scale = float(scales["target_scale"])
    channel_scale = scales["channel_scale"].sel(channel=CHANNELS).to_numpy()
    contribution = posterior["channel_contribution"].sel(channel=CHANNELS)
    sums = contribution.sum("date").stack(sample=("chain", "draw")).transpose("sample", ...)

    holdout = full.iloc[len(train) :]
    predictive = model.sample_posterior_predictive(
        holdout[columns], extend_idata=False, include_last_observations=True, progressbar=False,
        random_seed=args.seed,
    )  # fmt: skip
    # pymc-marketing 1.3 predicts y on its scaled target (max-abs scaling of the training y).
    predicted = predictive["y"].mean("sample").to_numpy() * target_scale

    rng = np.random.default_rng(args.seed)
    flat = {
        name: posterior[name].stack(sample=("chain", "draw")).transpose("sample", ...).to_numpy()
        for name in ("adstock_alpha", "saturation_lam", "saturation_beta")
    }
    picked = rng.choice(len(flat["adstock_alpha"]), size=CURVE_DRAWS, replace=False)
    result = {
        "fit_seconds": fit_seconds,
        "channels": CHANNELS,
        "target_scale": target_scale,
        "channel_scale": channel_scale.tolist(),
        "l_max": 14,
        "contribution_sums": (sums.to_numpy() * target_scale).tolist(),
        "holdout_predicted": predicted.tolist(),
        "divergences": int(model.idata.sample_stats["diverging"].sum()),
        "draws": {name: values[picked].tolist() for name, values in flat.items()},
        "settings": {"draws": args.draws, "tune": args.tune, "chains": args.chains},
    }
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(result, handle)


if __name__ == "__main__":
    main()
