"""pymc-marketing's MMM as a reference model on any dataset, with its results cached on disk.

    python benchmarks/mmm_pymc_cache.py --csv data.csv --channels search,social,video,display \
        --controls organic_clicks --events holiday,commercial_event --holdout-days 56 --seed 0

``pymc_result`` writes the training rows (every row but the last ``holdout_days``) and the full
frame to a temporary folder, runs ``mmm_pymc_reference.py`` (the default MMM, two NUTS chains
on one core) with a Python >= 3.12 that has pymc-marketing installed (``make bench-mmm`` makes
``.bench/pymc-marketing``), and returns its JSON. By default (``baseline_controls=True``;
``--no-baseline-controls`` on the command line turns it off) the model also gets a linear
trend and day-of-week dummies as controls (the reference script's ``--baseline-controls``):
the baseline terms pymc-marketing's default MMM lacks and our own model has, so that it is
not pushed to credit trend and weekday swings to media. A fit takes minutes, so the result
is kept in ``.bench/pymc-cache/<sha256>.json``, keyed by the columns used, the settings (this
one included) and the reference script's text: the same call again returns at once, and
editing the script refits. The key does not include the Python or pymc-marketing version;
delete the folder after changing them.

The command line prints the fit times (the first fit pays PyTensor's compilation, the warm one
is a second identical fit in the same process), the divergences and each channel's
posterior-mean ROI over the training window (mean contribution sum / training spend).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = Path(__file__).with_name("mmm_pymc_reference.py")
CACHE = ROOT / ".bench" / "pymc-cache"
DEFAULT_PYTHON = ROOT / ".bench" / "pymc-marketing" / "bin" / "python"


def _inputs(
    frame,
    channels,
    controls,
    events,
    target,
    holdout_days,
    seed,
    draws,
    tune,
    baseline_controls,
    l_max=None,
):
    """The model's columns of ``frame``, the settings, and the cache file they map to."""
    full = frame[["date", target, *channels, *controls, *events]]
    settings = {
        "channels": list(channels),
        "controls": list(controls),
        "events": list(events),
        "target": target,
        "holdout_days": holdout_days,
        "seed": seed,
        "draws": draws,
        "tune": tune,
        "baseline_controls": baseline_controls,
    }
    if l_max is not None:  # daily fits keep the default and the keys they had
        settings["l_max"] = l_max
    digest = hashlib.sha256()
    digest.update(full.to_csv(index=False, date_format="%Y-%m-%d").encode())
    digest.update(json.dumps(settings, sort_keys=True).encode())
    digest.update(SCRIPT.read_bytes())
    return full, settings, CACHE / f"{digest.hexdigest()}.json"


def cache_path(frame: pd.DataFrame, **options) -> Path:
    """Where ``pymc_result(python, frame, **options)`` keeps its result (it may not exist yet)."""
    options = {"draws": 500, "tune": 500, "baseline_controls": True} | options
    return _inputs(frame, **options)[2]


def pymc_result(
    python: str,
    frame: pd.DataFrame,
    *,
    channels: Sequence[str],
    controls: Sequence[str],
    events: Sequence[str],
    target: str,
    holdout_days: int,
    seed: int,
    draws: int = 500,
    tune: int = 500,
    baseline_controls: bool = True,
    l_max: int | None = None,
) -> dict:
    """pymc-marketing's result on ``frame`` (a ``date`` column, the target and the named
    columns), trained on all but the last ``holdout_days`` rows; from the cache when there.
    ``baseline_controls`` adds a linear trend and day-of-week dummies as controls; ``l_max``
    the adstock's weights (the reference script's default, 14 days, when None)."""
    full, settings, path = _inputs(
        frame,
        channels,
        controls,
        events,
        target,
        holdout_days,
        seed,
        draws,
        tune,
        baseline_controls,
        l_max,
    )
    if path.exists():
        return json.loads(path.read_text())
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        full.iloc[: len(full) - holdout_days].to_csv(
            folder / "train.csv", index=False, date_format="%Y-%m-%d"
        )
        full.to_csv(folder / "full.csv", index=False, date_format="%Y-%m-%d")
        command = [python, str(SCRIPT), "--train", str(folder / "train.csv"),
                   "--full", str(folder / "full.csv"), "--out", str(folder / "out.json"),
                   "--channels", ",".join(channels), "--controls", ",".join(controls),
                   "--events", ",".join(events), "--target", target,
                   "--draws", str(draws), "--tune", str(tune), "--seed", str(seed)]  # fmt: skip
        if baseline_controls:
            command.append("--baseline-controls")
        if l_max is not None:
            command += ["--l-max", str(l_max)]
        finished = subprocess.run(command, capture_output=True, text=True)
        if finished.returncode != 0:
            raise RuntimeError(f"pymc-marketing failed ({settings}):\n{finished.stderr[-3000:]}")
        result = json.loads((folder / "out.json").read_text())
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(result))
    partial.replace(path)  # whole files only, even if two processes fit the same inputs
    return result


def training_roi(result: dict, frame: pd.DataFrame, holdout_days: int) -> pd.Series:
    """Each channel's posterior-mean ROI over the training window."""
    spend = frame[result["channels"]].iloc[: len(frame) - holdout_days].sum()
    contribution = pd.DataFrame(result["contribution_sums"], columns=result["channels"]).mean()
    return contribution / spend


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--csv", required=True, help="One row per day with a date column.")
    parser.add_argument("--channels", type=_names, required=True, help="Comma-separated spend.")
    parser.add_argument("--controls", type=_names, default=[], help="Comma-separated.")
    parser.add_argument("--events", type=_names, default=[], help="Comma-separated 0/1 flags.")
    parser.add_argument("--target", default="revenue")
    parser.add_argument("--holdout-days", type=int, default=56)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--draws", type=int, default=500, help="Kept draws per chain.")
    parser.add_argument("--tune", type=int, default=500, help="Tuning draws per chain.")
    parser.add_argument(
        "--baseline-controls",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="Give the model a linear trend and day-of-week dummies as controls.",
    )
    parser.add_argument("--python", default=str(DEFAULT_PYTHON), help="Has pymc-marketing.")
    args = parser.parse_args()
    frame = pd.read_csv(args.csv, parse_dates=["date"])
    options = {
        "channels": args.channels,
        "controls": args.controls,
        "events": args.events,
        "target": args.target,
        "holdout_days": args.holdout_days,
        "seed": args.seed,
        "draws": args.draws,
        "tune": args.tune,
        "baseline_controls": args.baseline_controls,
    }
    cached = cache_path(frame, **options).exists()
    started = time.perf_counter()
    try:
        result = pymc_result(args.python, frame, **options)
    except RuntimeError as error:
        sys.exit(str(error))
    print(
        f"pymc-marketing on {args.csv}: {len(frame) - args.holdout_days} training days, "
        f"{args.holdout_days} held out, seed {args.seed}, {args.tune} tune + {args.draws} draws "
        f"x {result['settings']['chains']} chains"
        + (", trend and weekday controls" if args.baseline_controls else "")
        + (" (cached)" if cached else f" ({time.perf_counter() - started:.0f} s)")
    )
    print(
        f"fit {result['fit_seconds']:.1f} s (with compilation), "
        f"warm fit {result.get('warm_fit_seconds', float('nan')):.1f} s, "
        f"divergences {result['divergences']}"
    )
    print("ROI over the training window (posterior mean):")
    for channel, roi in training_roi(result, frame, args.holdout_days).items():
        print(f"  {channel:<20} {roi:8.3f}")


if __name__ == "__main__":
    main()
