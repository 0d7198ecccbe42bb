"""The whole platform under real faults (slow): `cerebro run` as a process, with a tap or the
target SIGKILLed mid-stream, dbt SIGKILLed after some nodes, or the DuckDB file taken by a
reader, at seeded points. A faulted run must fail and say why; the next clean run must leave
every table of the mart schemas equal to a clean run's (order-independent, exact values), raw
tables equal, and no duplicate key in raw tables or facts. Two runs started together on one
file must run one after the other.

``CEREBRO_FAULT_RUNS`` (default 4) and ``CEREBRO_FAULT_SEED`` set the seeded suite's length
and seed; the first four runs of a seed are one fault of each kind, in a seeded order.
"""

from __future__ import annotations

import os
import random

import pytest

from tests.platform.faults.fault_injection import DBT, Fault, install_shims
from tests.platform.faults.fault_platform import (
    KINDS,
    PlatformDir,
    assert_failed_clearly,
    assert_recovered,
    dbt_nodes_of_first_build,
    failed_runs_still_open,
    place_faults,
    run_with_fault,
)

pytestmark = [pytest.mark.slow, pytest.mark.e2e]


@pytest.fixture(scope="module")
def clean_platform(tmp_path_factory, dbt_manifest) -> tuple[PlatformDir, int]:
    """The oracle: one clean run, and how many nodes its first `dbt build` ran (observed)."""
    platform = PlatformDir.create(tmp_path_factory.mktemp("clean_platform"))
    shims = platform.root / "observe"
    observe = Fault("observe-dbt", DBT, after=None, match={"command": "build"})
    result = platform.run(install_shims(shims, [observe]), log_name="clean")
    assert result.exit_code == 0, result.output[-3000:]
    return platform, dbt_nodes_of_first_build(shims)


def _point(faults: list[Fault], firings: list[dict]) -> dict:
    """Where a fault was placed and where it fired, for the ledger."""
    placed = {} if not faults else {
        "program": faults[0].program, "match": faults[0].match, "after": faults[0].after,
        "occurrence": faults[0].occurrence, "partial_line": faults[0].partial_line,
        "batch_size_rows": faults[0].batch_size_rows,
    }  # fmt: skip
    return {
        **placed,
        "fired": len(firings),
        "mid_stream": sum(1 for f in firings if not f.get("ended_before_kill")),
        "firings": firings,
    }


@pytest.mark.parametrize("kind", KINDS)
def test_a_run_failed_by_a_fault_says_why_and_the_next_run_makes_the_clean_marts(
    kind, clean_platform, tmp_path, fault_ledger
):
    clean, dbt_nodes = clean_platform
    platform = PlatformDir.create(tmp_path / "platform", demo_from=clean)
    rng = random.Random(f"{kind}:0")
    faults = place_faults(kind, rng, clean, dbt_nodes, f"{kind}-0")

    faulted, firings = run_with_fault(platform, kind, faults, tmp_path / "faulted", rng)
    assert firings, f"the {kind} fault never fired"
    assert_failed_clearly(kind, faulted)

    recovered = platform.run(log_name="recovery")
    assert recovered.exit_code == 0, recovered.output[-3000:]
    recovery = assert_recovered(platform, clean)
    failures, still_open = failed_runs_still_open(platform)
    # A reader that takes the file before the Dagster run starts leaves no run behind.
    assert failures == 1 or (kind == "lock" and failures == 0)
    assert still_open == 0
    fault_ledger(
        kind=kind, seed=0, **_point(faults, firings), rows_lost=recovery.rows_lost,
        duplicates=recovery.duplicate_rows, mart_tables=len(recovery.marts.tables),
        faulted_seconds=round(faulted.seconds), recovery_seconds=round(recovered.seconds),
    )  # fmt: skip


def _seeded_kinds(rng: random.Random, runs: int) -> list[str]:
    """Random kinds, each of the four once in every four runs."""
    kinds: list[str] = []
    while len(kinds) < runs:
        kinds += rng.sample(KINDS, len(KINDS))
    return kinds[:runs]


def test_seeded_faulted_runs_then_one_clean_run_leave_the_clean_marts(
    clean_platform, tmp_path, fault_ledger
):
    clean, dbt_nodes = clean_platform
    runs = int(os.environ.get("CEREBRO_FAULT_RUNS", "4"))
    seed = int(os.environ.get("CEREBRO_FAULT_SEED", "2026"))
    rng = random.Random(seed)
    platform = PlatformDir.create(tmp_path / "platform", demo_from=clean)

    for number, kind in enumerate(_seeded_kinds(rng, runs)):
        name = f"run{number}-{kind}"
        faults = place_faults(kind, rng, clean, dbt_nodes, name)
        faulted, firings = run_with_fault(platform, kind, faults, tmp_path / name, rng)
        assert firings, f"{name}: the fault never fired"
        assert_failed_clearly(kind, faulted)
        fault_ledger(kind=kind, seed=seed, run=number, **_point(faults, firings),
                     faulted_seconds=round(faulted.seconds))  # fmt: skip

    final = platform.run(log_name="recovery")
    assert final.exit_code == 0, final.output[-3000:]
    recovery = assert_recovered(platform, clean)
    assert failed_runs_still_open(platform)[1] == 0
    fault_ledger(
        kind="recovery", seed=seed, runs=runs, rows_lost=recovery.rows_lost,
        duplicates=recovery.duplicate_rows, mart_tables=len(recovery.marts.tables),
    )  # fmt: skip


def test_two_runs_started_together_on_one_file_run_one_after_the_other(
    clean_platform, tmp_path, fault_ledger
):
    clean, _ = clean_platform
    platform = PlatformDir.create(tmp_path / "platform", demo_from=clean)

    processes = [platform.start(log_name=name) for name in ("first", "second")]
    exit_codes = [process.wait(timeout=3600) for process in processes]
    outputs = [(platform.root / f"{name}.log").read_text() for name in ("first", "second")]

    assert exit_codes == [0, 0], "\n\n".join(output[-3000:] for output in outputs)
    waited = [output for output in outputs if "waiting for it to finish" in output]
    assert len(waited) == 1, "exactly one run should have waited for the other"
    spans = platform.query(
        "select started_at, finished_at from ops.dagster_runs "
        "where job_name = 'cerebro_platform' order by started_at"
    )
    assert len(spans) == 2 and spans[0][1] <= spans[1][0], f"the runs overlapped: {spans}"
    recovery = assert_recovered(platform, clean)
    fault_ledger(kind="concurrent", seed=None, fired=1, rows_lost=recovery.rows_lost,
                 duplicates=recovery.duplicate_rows)  # fmt: skip
