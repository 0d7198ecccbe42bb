"""Rows a failed landing committed are checked by the next landing (slow: a landing asset,
its tap and target for real, and the contract checks).

A tap killed after its last message leaves its rows landed and their state saved, so the next
landing does not send them again. The landing asset used to check only the rows written since
it started, so a bad row of the failed landing reached staging unchecked, while a clean
landing quarantines it. The oracle: the quarantine holds the bad row after the recovery.
"""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cerebro.landing.pipeline import LandingError
from cerebro.landing.taps import demo_settings
from cerebro.settings import load_settings
from cerebro.tenants import load_tenants
from cerebro.warehouse import Warehouse
from tests.platform.faults.fault_injection import SHIMS_ENV, TAP, Fault, install_shims

pytestmark = pytest.mark.slow

TENANTS_YAML = """
tenants:
  - tenant_id: gap_cl
    name: Brecha Chile
    timezone: America/Santiago
    currency: CLP
    country_code: CL
    demo: {profile: cl_services, customers: 30, seed: 5, end_date: "2026-10-31",
           history_days: 60}
    sources: {meta_ads: {tap: demo}}
"""


@pytest.fixture
def environment(tmp_path, monkeypatch):
    (tmp_path / "tenants.yml").write_text(TENANTS_YAML)
    for name in ("CEREBRO_DUCKDB_PATH", "CEREBRO_WAREHOUSE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CEREBRO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CEREBRO_TENANTS_FILE", str(tmp_path / "tenants.yml"))
    return load_settings()


def _dataset_with_a_negative_spend(settings) -> str:
    """Generate the tenant's demo dataset and make one row's spend negative; its record key."""
    from tap_cerebro_demo.generator.storage import DemoSettings, load_or_generate

    (tenant,) = load_tenants(settings.tenants_file)
    directory = load_or_generate(
        DemoSettings.from_tap_config(demo_settings(tenant, settings.demo_dir)), settings.demo_dir
    )
    table = pq.read_table(directory / "ads_insights.parquet")
    spend = table["spend"].to_pylist()
    spend[0] = -1.0
    column = table.column_names.index("spend")
    table = table.set_column(column, "spend", pa.array(spend, table["spend"].type))
    pq.write_table(table, directory / "ads_insights.parquet")
    row = table.slice(0, 1).to_pylist()[0]
    return f"{row['account_id']}|{row['campaign_id']}|{row['date_start'].isoformat()}"


def _land(settings):
    """The meta_ads landing asset, invoked directly (no retries) for one partition."""
    from orchestration.ingestion_assets import landing_assets
    from orchestration.partitions import partition_key, register_tenants
    from orchestration.resources import CerebroResource

    (land,) = [asset for asset in landing_assets() if asset.op.name == "land_meta_ads"]
    instance = dg.DagsterInstance.ephemeral()
    register_tenants(instance, ["gap_cl"])
    context = dg.build_asset_context(
        partition_key=partition_key(dt.date(2026, 10, 31), "gap_cl"), instance=instance
    )
    return list(land(context=context, cerebro=CerebroResource()))


def test_a_bad_row_of_a_landing_killed_after_its_state_is_quarantined_by_the_next(
    environment, tmp_path, monkeypatch, dbt_manifest, fault_ledger
):
    record_key = _dataset_with_a_negative_spend(environment)
    warehouse = Warehouse(environment)
    # Killed once its output ended: every row landed and the state saved, the check never ran.
    kill_at_the_end = Fault("tap-at-end", TAP, after=10**9)
    for name, value in install_shims(tmp_path / "shims", [kill_at_the_end]).items():
        monkeypatch.setenv(name, value)
    with pytest.raises(LandingError, match=r"the tap failed \(exit -9, killed by SIGKILL\)"):
        _land(environment)
    landed = warehouse.query("select count(*) as n from raw_meta_ads.ads_insights where spend < 0")
    assert landed["n"].tolist() == [1]

    monkeypatch.delenv(SHIMS_ENV)
    results = _land(environment)

    (check,) = [
        r for r in results if isinstance(r, dg.AssetCheckResult) and r.check_name == "contract"
        and r.asset_key == dg.AssetKey(["meta_ads", "ads_insights"])
    ]  # fmt: skip
    assert check.metadata["rows_newly_quarantined"].value == 1
    quarantine = warehouse.query("select record_key, rule from ops.quarantine")
    assert quarantine.values.tolist() == [[record_key, "non_negative:spend"]]
    fault_ledger(kind="tap", seed=None, point="after its last message", fired=1, rows_lost=0,
                 duplicates=0, unchecked_rows_caught=1)  # fmt: skip
