"""Landing under real faults: a tap SIGKILLed mid-stream, a target SIGKILLed after some
batches, a DuckDB file held by another process. Each landing fails loudly, and the next one
leaves raw tables equal to a clean landing's, with no duplicate key.

The demo tap and the DuckDB target run for real, behind the shims of fault_injection.py; the
clean landing of the same tenant is the oracle. The platform-wide suite (a whole `cerebro run`
faulted, dbt killed, seeded runs) is in test_platform_faults.py (slow).
"""

from __future__ import annotations

import math
import random
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from cerebro.landing.ingest import land_source
from cerebro.landing.pipeline import LandingError
from cerebro.settings import Settings, load_settings
from cerebro.tenants import load_tenants
from cerebro.warehouse import Warehouse
from tests.platform.faults.fault_injection import (
    SHIMS_ENV,
    TAP,
    TARGET,
    Fault,
    fired,
    install_shims,
)
from tests.platform.faults.warehouse_diff import diff_warehouses, duplicate_keys, raw_keys

SOURCE = "shopify"
TENANTS_YAML = """
tenants:
  - tenant_id: faults_cl
    name: Fallas Chile
    timezone: America/Santiago
    currency: CLP
    country_code: CL
    demo: {profile: cl_services, customers: 60, seed: 31, end_date: "2026-10-31",
           history_days: 90}
    sources: {shopify: {tap: demo}}
"""


@dataclass
class Landing:
    """A data directory with the tenants file and the demo dataset, where landings run."""

    root: Path

    @property
    def settings(self) -> Settings:
        return load_settings(
            {
                "CEREBRO_DATA_DIR": str(self.root / "data"),
                "CEREBRO_TENANTS_FILE": str(self.root / "tenants.yml"),
            }
        )

    @property
    def duckdb_path(self) -> Path:
        return self.settings.duckdb_path

    def land(self):
        settings = self.settings
        tenants = load_tenants(settings.tenants_file)
        return land_source(SOURCE, tenants, settings, Warehouse(settings))


@pytest.fixture(scope="module")
def clean_landing(tmp_path_factory) -> tuple[Landing, dict[str, int]]:
    """The oracle: one clean landing, and the records it synced per stream."""
    landing = Landing(tmp_path_factory.mktemp("clean_landing"))
    (landing.root / "tenants.yml").write_text(TENANTS_YAML)
    (result,) = landing.land()
    return landing, result.records_by_stream


def _fresh_landing(clean: Landing, root: Path) -> Landing:
    """An empty warehouse beside a copy of the clean landing's demo dataset (no regeneration)."""
    landing = Landing(root)
    shutil.copytree(clean.settings.demo_dir, landing.settings.demo_dir)
    shutil.copy(clean.root / "tenants.yml", root / "tenants.yml")
    return landing


def _seeded_fault(kind: str, seed: int, records: dict[str, int]) -> Fault:
    """A fault of ``kind`` at a seeded point inside the clean landing's data."""
    rng = random.Random(f"{kind}:{seed}")
    if kind == "tap":
        # Singer lines >= records: the kill lands inside the stream; half the time the last
        # message is torn in two, as when a process dies in the middle of a write.
        after = rng.randint(1, sum(records.values()))
        return Fault(f"{kind}-{seed}", TAP, after, partial_line=rng.choice([0.0, 0.5]))
    batch_size = rng.randint(20, 80)
    batches = sum(math.ceil(n / batch_size) for n in records.values())
    return Fault(f"{kind}-{seed}", TARGET, rng.randint(1, batches - 1), batch_size_rows=batch_size)


def _assert_equal_to_clean_and_unique(landing: Landing, clean: Landing) -> tuple[int, int]:
    diff = diff_warehouses(clean.duckdb_path, landing.duckdb_path, (f"raw_{SOURCE}",))
    assert diff.identical, diff.describe()
    duplicates = duplicate_keys(landing.duckdb_path, raw_keys())
    assert len(duplicates) == 7 and sum(duplicates.values()) == 0, duplicates
    return diff.rows_lost, sum(duplicates.values())


@pytest.mark.parametrize("kind", ["tap", "target"])
def test_killed_landing_fails_loudly_and_the_next_lands_what_a_clean_one_does(
    kind, clean_landing, tmp_path, monkeypatch, dbt_manifest, fault_ledger
):
    clean, records = clean_landing
    landing = _fresh_landing(clean, tmp_path)
    fault = _seeded_fault(kind, seed=1, records=records)
    for name, value in install_shims(tmp_path / "shims", [fault]).items():
        monkeypatch.setenv(name, value)

    with pytest.raises(LandingError, match=rf"the {kind} failed \(exit -9, killed by SIGKILL\)"):
        landing.land()
    (firing,) = fired(tmp_path / "shims")
    assert firing["counted"] == fault.after and not firing["ended_before_kill"]

    monkeypatch.delenv(SHIMS_ENV)
    (recovered,) = landing.land()
    assert recovered.records > 0
    lost, duplicates = _assert_equal_to_clean_and_unique(landing, clean)
    fault_ledger(kind=kind, seed=1, point=fault.after, fired=1, rows_lost=lost,
                 duplicates=duplicates)  # fmt: skip


def _hold_duckdb(path: Path) -> subprocess.Popen:
    """Another process with a read-write connection to ``path``, held until its stdin closes."""
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys; connection = duckdb.connect(sys.argv[1]); "
         "print('held', flush=True); sys.stdin.read()", str(path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_landing_into_a_file_another_process_holds_fails_naming_the_lock_then_recovers(
    clean_landing, tmp_path, dbt_manifest, fault_ledger
):
    clean, _ = clean_landing
    landing = _fresh_landing(clean, tmp_path)
    landing.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    holder = _hold_duckdb(landing.duckdb_path)
    try:
        with pytest.raises(LandingError, match=r"(?s)the target failed.*Could not set lock"):
            landing.land()
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)

    (recovered,) = landing.land()
    assert recovered.records == sum(clean_landing[1].values())
    lost, duplicates = _assert_equal_to_clean_and_unique(landing, clean)
    fault_ledger(kind="lock", seed=None, point="before landing", fired=1, rows_lost=lost,
                 duplicates=duplicates)  # fmt: skip
