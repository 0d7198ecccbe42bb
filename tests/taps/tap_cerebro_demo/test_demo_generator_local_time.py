"""Customers live by the tenant's local clock; the streams carry UTC.

Oracles: the clock's own HOURLY_ACTIVITY shape, recovered from the emitted UTC
timestamps by converting them back with the IANA rules in ``zoneinfo`` (not
the generator's pandas path), and the published 2024 DST transitions of
America/Santiago (clocks went back from 00:00 to 23:00 on the night of
6-7 April and forward from 00:00 to 01:00 on 8 September).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from tap_cerebro_demo.generator.clock import HOURLY_ACTIVITY, Clock

SANTIAGO = ZoneInfo("America/Santiago")
UTC = dt.UTC


def local_hours(utc_naive: pd.Series, timezone: str) -> np.ndarray:
    zone = ZoneInfo(timezone)
    return np.array(
        [ts.to_pydatetime().replace(tzinfo=UTC).astimezone(zone).hour for ts in utc_naive]
    )


def best_shift(hours: np.ndarray) -> int:
    """The circular shift of HOURLY_ACTIVITY under which the hours are most likely."""
    log_p = np.log(HOURLY_ACTIVITY / HOURLY_ACTIVITY.sum())
    counts = np.bincount(hours, minlength=24)
    loglik = [counts @ np.roll(log_p, shift) for shift in range(-12, 12)]
    return int(np.argmax(loglik)) - 12


def test_order_local_hours_follow_hourly_activity_after_zoneinfo_conversion(small_dataset):
    timezone = small_dataset.settings.timezone
    created = small_dataset.streams["orders"]["created_at"]
    hours = local_hours(created, timezone)
    counts = np.bincount(hours, minlength=24)
    assert len(hours) > 1000
    # Shape: evenings are much busier than the small hours (expected ratio 24).
    assert counts[19:22].sum() > 8 * counts[3:6].sum(), counts
    assert np.corrcoef(counts, HOURLY_ACTIVITY)[0, 1] > 0.9
    # Position: any timezone error shows up as a non-zero best shift.
    assert best_shift(hours) == 0


def test_signup_local_hours_peak_at_the_same_hours_in_summer_and_winter_time():
    # Santiago's offset is -03 in summer and -04 in winter: each half must line up
    # on its own, which fails if a single fixed offset were applied all year.
    clock = Clock(dt.date(2024, 1, 1), 366, "America/Santiago")
    rng = np.random.default_rng(11)
    t = clock.at_busy_hours(rng, rng.uniform(0, clock.days, 60_000))
    utc = clock.to_utc(t)
    aware = [ts.to_pydatetime().replace(tzinfo=UTC).astimezone(SANTIAGO) for ts in utc]
    offset = np.array([a.utcoffset().total_seconds() / 3600 for a in aware])
    hours = np.array([a.hour for a in aware])
    assert set(offset) == {-3.0, -4.0}
    for summer in (True, False):
        assert best_shift(hours[(offset == -3.0) == summer]) == 0


def day_offset(clock: Clock, local: dt.datetime) -> float:
    midnight = dt.datetime.combine(clock.start, dt.time())
    return (local - midnight).total_seconds() / 86_400


@pytest.fixture
def santiago_2024() -> Clock:
    return Clock(dt.date(2024, 1, 1), 366, "America/Santiago")


def utc_of(clock: Clock, local: dt.datetime) -> dt.datetime:
    return clock.to_utc(np.array([day_offset(clock, local)])).iloc[0].to_pydatetime()


def test_to_utc_matches_zoneinfo_on_ordinary_times(santiago_2024):
    for local in (dt.datetime(2024, 1, 15, 20, 30), dt.datetime(2024, 7, 15, 8, 5, 7)):
        expected = local.replace(tzinfo=SANTIAGO).astimezone(UTC).replace(tzinfo=None)
        assert utc_of(santiago_2024, local) == expected


def test_to_utc_moves_a_time_in_the_dst_gap_forward_to_the_first_valid_instant(santiago_2024):
    skipped = dt.datetime(2024, 9, 8, 0, 30)
    # zoneinfo confirms the wall time does not exist: it does not survive a round trip.
    roundtrip = skipped.replace(tzinfo=SANTIAGO).astimezone(UTC).astimezone(SANTIAGO)
    assert roundtrip.replace(tzinfo=None) != skipped
    assert utc_of(santiago_2024, skipped) == dt.datetime(2024, 9, 8, 4, 0)  # 01:00 -03


def test_to_utc_reads_a_repeated_time_in_the_overlap_as_standard_time(santiago_2024):
    repeated = dt.datetime(2024, 4, 6, 23, 30)
    first = repeated.replace(tzinfo=SANTIAGO, fold=0).astimezone(UTC)
    second = repeated.replace(tzinfo=SANTIAGO, fold=1).astimezone(UTC)
    assert second - first == dt.timedelta(hours=1), "not an ambiguous wall time"
    assert utc_of(santiago_2024, repeated) == second.replace(tzinfo=None)  # 23:30 -04


def test_to_utc_never_reorders_events_across_dst_transitions(santiago_2024):
    minutes = np.arange(-180, 180) / 1440
    for night in (dt.datetime(2024, 4, 7), dt.datetime(2024, 9, 8)):
        t = day_offset(santiago_2024, night) + minutes
        utc = santiago_2024.to_utc(t)
        assert utc.is_monotonic_increasing, night
        wall = [ts.to_pydatetime().replace(tzinfo=UTC).astimezone(SANTIAGO) for ts in utc]
        # Outside the skipped hour every wall time survives the round trip.
        midnight = dt.datetime.combine(night.date(), dt.time())
        expected = [midnight + dt.timedelta(minutes=int(m)) for m in np.arange(-180, 180)]
        kept = [
            w.replace(tzinfo=None) == e
            for w, e in zip(wall, expected, strict=True)
            if not (night.month == 9 and e.hour == 0 and e.date() == night.date())
        ]
        assert all(kept), night


def test_to_utc_keeps_missing_times_missing(santiago_2024):
    utc = santiago_2024.to_utc(np.array([np.nan, 10.5]))
    assert pd.isna(utc.iloc[0]) and not pd.isna(utc.iloc[1])
