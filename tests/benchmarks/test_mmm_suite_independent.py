"""The independent MMM simulator, each property against a recomputation written here.

Oracles: a plain loop of the described adstock and Hill curve, sums and correlations taken
again from the frame, and published calendar dates (Chile's holidays, Black Friday).
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import json

import numpy as np
import pandas as pd
import pytest

from benchmarks.mmm_suite.independent import (
    CHANNELS,
    HOLDOUT_DAYS,
    LEVELS,
    SimulatedData,
    commercial_event_dates,
    generate,
    holiday_dates,
    main,
)

SEEDS = range(5)


@functools.cache
def simulated(level: str, seed: int) -> SimulatedData:
    return generate(level, seed)


def train(data: SimulatedData) -> pd.DataFrame:
    return data.frame.iloc[:-HOLDOUT_DAYS]


def loop_contribution(spend, decay, max_lag, half_saturation, shape, beta) -> np.ndarray:
    """The description, literally: w_l = a^l / sum_k a^k, x_t = sum_l w_l spend_{t-l} (nothing
    before day 0), contribution_t = beta x_t^S / (x_t^S + K^S)."""
    weights = [decay**lag for lag in range(max_lag + 1)]
    weights = [weight / sum(weights) for weight in weights]
    contribution = []
    for day in range(len(spend)):
        x = sum(weights[lag] * spend[day - lag] for lag in range(max_lag + 1) if day - lag >= 0)
        contribution.append(beta * x**shape / (x**shape + half_saturation**shape))
    return np.array(contribution)


def test_frame_has_exactly_the_agreed_columns_and_whole_non_negative_spend():
    data = simulated("medium", 0)
    frame = data.frame

    assert list(frame.columns) == [
        "date",
        "revenue",
        *data.channels,
        "organic_clicks",
        "holiday",
        "commercial_event",
    ]
    assert data.channels == list(CHANNELS)
    assert data.controls == ["organic_clicks"]
    assert data.events == ["holiday", "commercial_event"]
    assert pd.api.types.is_datetime64_any_dtype(frame["date"])
    assert (frame["date"].diff().dropna() == pd.Timedelta(days=1)).all()
    assert 365 + HOLDOUT_DAYS <= len(frame) <= 730
    spend = frame[data.channels].to_numpy()
    assert (spend >= 0).all() and (spend == np.rint(spend)).all()
    assert set(frame["holiday"]) <= {0, 1} and set(frame["commercial_event"]) <= {0, 1}
    assert list(data.contributions.columns) == ["date", *data.channels]
    json.dumps(data.truth)  # plain JSON, no numpy scalars left


def test_same_seed_repeats_exactly_and_another_level_or_seed_differs():
    first, again = generate("medium", 101), generate("medium", 101)

    pd.testing.assert_frame_equal(first.frame, again.frame)
    assert first.truth == again.truth
    assert not generate("easy", 101).frame.equals(first.frame)
    assert not generate("medium", 102).frame.equals(first.frame)


@pytest.mark.parametrize("level", LEVELS)
def test_contributions_equal_a_loop_of_adstock_and_hill_on_the_frames_spend(level):
    data = simulated(level, 1)

    for channel, params in data.truth["channels"].items():
        expected = loop_contribution(
            data.frame[channel].tolist(),
            params["decay"],
            params["max_lag"],
            params["half_saturation"],
            params["shape"],
            params["beta"],
        )
        np.testing.assert_allclose(data.contributions[channel], expected, rtol=1e-9)
        assert params["max_lag"] == 13 and 0 <= params["decay"] <= 0.85
        assert 0.7 <= params["shape"] <= 3.0


@pytest.mark.parametrize(("level", "seed"), list(itertools.product(LEVELS, SEEDS)))
def test_roi_and_media_share_are_train_window_sums_of_contribution(level, seed):
    data = simulated(level, seed)
    window = train(data)
    contributions = data.contributions.iloc[: len(window)]
    truth = data.truth

    assert truth["train_days"] == len(window) == truth["n_days"] - HOLDOUT_DAYS
    for channel, params in truth["channels"].items():
        assert params["roi"] == pytest.approx(
            contributions[channel].sum() / window[channel].sum(), rel=1e-12
        )
        assert params["contribution"] == pytest.approx(contributions[channel].sum(), rel=1e-12)
        assert params["total_spend"] == window[channel].sum()
        assert params["current_daily_spend"] == pytest.approx(window[channel].iloc[-28:].mean())
        assert 0.5 <= params["roi"] <= 5.0
        # K is stated in spend units: a 0.5-2.5 multiple of the channel's mean daily spend.
        ratio = params["half_saturation"] / window[channel].mean()
        assert 0.5 <= ratio <= 2.5
    media_share = contributions[data.channels].to_numpy().sum() / window["revenue"].sum()
    assert truth["media_share"] == pytest.approx(media_share, rel=1e-12)
    assert 0.2 <= media_share <= 0.4


def test_noise_residual_sd_is_ten_percent_of_mean_revenue():
    for level, seed in itertools.product(LEVELS, SEEDS):
        data = simulated(level, seed)
        residual = (
            data.frame["revenue"]
            - data.baseline["baseline"]
            - data.contributions[data.channels].sum(axis=1)
        )
        relative_sd = residual.std() / data.frame["revenue"].mean()

        # n >= 421 days: the sample sd is within ~4 % of the true one (1 s.e.); allow ~4 s.e.
        assert 0.085 <= relative_sd <= 0.115, (level, seed, relative_sd)
        assert data.truth["noise_sd"] == pytest.approx(residual.std(), rel=0.15)
        assert abs(residual.mean()) < 4 * residual.std() / np.sqrt(len(residual))


def test_baseline_is_the_sum_of_its_components_and_organic_search_pays_per_click():
    data = simulated("easy", 2)
    components = data.baseline.drop(columns=["date", "baseline"])
    per_click = data.truth["baseline"]["revenue_per_click"]

    np.testing.assert_allclose(components.sum(axis=1), data.baseline["baseline"], rtol=1e-12)
    np.testing.assert_allclose(
        data.baseline["organic"], per_click * data.frame["organic_clicks"], rtol=1e-12
    )
    assert (data.baseline["baseline"] > 0).all()


def mean_pairwise_correlation(frame: pd.DataFrame) -> float:
    corr = frame.corr().to_numpy()
    return corr[np.triu_indices_from(corr, k=1)].mean()


def test_spend_collinearity_rises_from_easy_to_hard():
    typical = {}
    for level in LEVELS:
        values = []
        for seed in SEEDS:
            data = simulated(level, seed)
            value = mean_pairwise_correlation(train(data)[data.channels])
            assert data.truth["spend_correlation"] == pytest.approx(value, abs=1e-9)
            values.append(value)
        typical[level] = np.mean(values)

    assert abs(typical["easy"]) < 0.15
    assert 0.5 <= typical["medium"] <= 0.8
    assert typical["hard"] > 0.9


def test_spend_follows_demand_more_from_easy_to_hard():
    typical = {}
    for level in LEVELS:
        values = []
        for seed in SEEDS:
            data = simulated(level, seed)
            window = train(data)
            baseline = data.baseline["baseline"].iloc[: len(window)]
            value = np.mean([np.corrcoef(window[c], baseline)[0, 1] for c in data.channels])
            assert data.truth["spend_demand_correlation"] == pytest.approx(value, abs=1e-9)
            values.append(value)
        typical[level] = np.mean(values)

    assert abs(typical["easy"]) < 0.15
    assert typical["easy"] + 0.2 < typical["medium"] < typical["hard"] - 0.2
    assert typical["hard"] > 0.8


def test_calendar_marks_published_chilean_holidays_and_commercial_events():
    # Good Friday: 7 Apr 2023, 29 Mar 2024, 18 Apr 2025.
    for good_friday in (dt.date(2023, 4, 7), dt.date(2024, 3, 29), dt.date(2025, 4, 18)):
        assert good_friday in holiday_dates(good_friday.year)
    assert {dt.date(2024, 9, 18), dt.date(2024, 9, 19), dt.date(2024, 12, 8)} <= holiday_dates(2024)
    assert len(holiday_dates(2024)) == 14
    # Black Friday 2024 was 29 Nov (Thanksgiving 28 Nov); Cyber Monday 2 Dec.
    events = commercial_event_dates(2024)
    black_friday = {dt.date(2024, 11, 29) + dt.timedelta(days=d) for d in range(4)}
    assert black_friday <= events and dt.date(2024, 11, 28) not in events
    assert {dt.date(2024, 6, 3), dt.date(2024, 6, 5)} <= events  # CyberDay 2024: 3-5 June
    assert len(events) == 10

    data = simulated("hard", 3)
    days = data.frame["date"].dt.date
    marked = [day in holiday_dates(day.year) for day in days]
    assert data.frame["holiday"].tolist() == [int(flag) for flag in marked]


def test_cli_writes_the_frame_with_plain_dates_and_the_truth(tmp_path, capsys):
    main(["--level", "easy", "--seed", "4", "--out", str(tmp_path)])

    data = simulated("easy", 4)
    written = pd.read_csv(tmp_path / "data.csv")
    assert written["date"].iloc[0] == data.frame["date"].iloc[0].strftime("%Y-%m-%d")
    np.testing.assert_allclose(written["revenue"], data.frame["revenue"], rtol=1e-12)
    assert json.loads((tmp_path / "truth.json").read_text()) == data.truth
    assert str(tmp_path) in capsys.readouterr().out
