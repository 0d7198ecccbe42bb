"""The same DemoSettings always give the same dataset; another seed gives another.

Oracle: the datasets themselves, compared frame by frame in one process and
parquet file by parquet file against a second process with another hash seed
(so nothing may depend on set or dict iteration order across runs).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import subprocess
import sys

import pandas as pd
import pyarrow.parquet as pq
import pytest
from tap_cerebro_demo.generator.dataset import generate
from tap_cerebro_demo.generator.storage import DemoSettings, load_or_generate

SETTINGS = DemoSettings(
    tenant_id="determinism",
    profile="cl_services",
    timezone="America/Santiago",
    customers=150,
    seed=21,
    end_date=dt.date(2024, 6, 30),
    days=200,
)
GENERATE_IN_ANOTHER_PROCESS = """
import datetime as dt, json, sys
from pathlib import Path
from tap_cerebro_demo.generator.storage import DemoSettings, load_or_generate
fields = json.loads(sys.argv[1])
fields["end_date"] = dt.date.fromisoformat(fields["end_date"])
load_or_generate(DemoSettings(**fields), Path(sys.argv[2]))
"""


@pytest.fixture(scope="module")
def first_run():
    return generate(SETTINGS)


def test_same_settings_give_identical_streams_and_truth(first_run):
    second = generate(SETTINGS)
    assert list(second.streams) == list(first_run.streams)
    for stream, frame in first_run.streams.items():
        pd.testing.assert_frame_equal(second.streams[stream], frame, obj=stream)
    assert second.truth == first_run.truth


def test_another_seed_gives_different_data(first_run):
    other = generate(dataclasses.replace(SETTINGS, seed=SETTINGS.seed + 1))
    for stream in ("customers", "orders", "order_lines", "ads_insights", "performance_by_date"):
        assert not first_run.streams[stream].equals(other.streams[stream]), stream
    # The calendar depends on the country and dates only, not on the seed.
    pd.testing.assert_frame_equal(first_run.streams["events"], other.streams["events"])


def test_another_process_with_another_hash_seed_writes_identical_files(tmp_path):
    here = load_or_generate(SETTINGS, tmp_path / "here")
    fields = json.dumps(dataclasses.asdict(SETTINGS), default=str)
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run(
        [sys.executable, "-c", GENERATE_IN_ANOTHER_PROCESS, fields, str(tmp_path / "there")],
        check=True,
        env=env,
        timeout=120,
    )
    there = tmp_path / "there" / SETTINGS.tenant_id
    names = sorted(p.name for p in here.iterdir())
    assert names == sorted(p.name for p in there.iterdir())
    for name in names:
        if name.endswith(".parquet"):
            assert pq.read_table(here / name).equals(pq.read_table(there / name)), name
        else:
            assert (here / name).read_text() == (there / name).read_text(), name


def test_load_or_generate_reuses_a_fresh_cache_and_regenerates_a_stale_one(tmp_path):
    directory = load_or_generate(SETTINGS, tmp_path)
    orders = directory / "orders.parquet"
    before = orders.stat().st_mtime_ns
    assert load_or_generate(SETTINGS, tmp_path) == directory
    assert orders.stat().st_mtime_ns == before, "a fresh cache was regenerated"

    reseeded = dataclasses.replace(SETTINGS, seed=SETTINGS.seed + 1)
    load_or_generate(reseeded, tmp_path)
    assert (directory / "FINGERPRINT").read_text() == reseeded.fingerprint
    expected = generate(reseeded).streams["orders"]
    pd.testing.assert_frame_equal(pd.read_parquet(orders), expected)
