"""A blocking contract check stops what is downstream for the tenant whose landing broke it, and
only for that tenant: in a run of its own, the run's check judges only the rows its tenant
landed; in a night's run for several tenants (decision 0078), the tenant that broke it, or
whose landing failed, is held out of what follows and the others go on.

The Meta Ads landing asset runs for real (demo tap, DuckDB target, Great Expectations) for two
tenants; one's dataset has a fifth of its spend rows negative, above the 5 % a check tolerates.
Downstream stands a partitioned asset reading the landed table, as the dbt step does.
"""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cerebro.landing.taps import demo_settings
from cerebro.settings import load_settings
from cerebro.tenants import load_tenants
from tests.support.dbt_manifest import prepared_dbt_manifest

DAY = dt.date(2026, 10, 31)
TENANTS_YAML = """
tenants:
  - tenant_id: broken_cl
    name: Rota Chile
    timezone: America/Santiago
    currency: CLP
    country_code: CL
    demo: {profile: cl_services, customers: 30, seed: 5, end_date: "2026-10-31",
           history_days: 30}
    sources: {meta_ads: {tap: demo}}
  - tenant_id: sound_pe
    name: Sana Perú
    timezone: America/Lima
    currency: PEN
    country_code: PE
    demo: {profile: pe_services, customers: 30, seed: 6, end_date: "2026-10-31",
           history_days: 30}
    sources: {meta_ads: {tap: demo}}
"""


@pytest.fixture
def settings(tmp_path, monkeypatch):
    (tmp_path / "tenants.yml").write_text(TENANTS_YAML)
    for name in ("CEREBRO_DUCKDB_PATH", "CEREBRO_WAREHOUSE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CEREBRO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CEREBRO_TENANTS_FILE", str(tmp_path / "tenants.yml"))
    prepared_dbt_manifest()
    return load_settings()


def _break_a_fifth_of_the_spend(settings, tenant_id: str) -> None:
    from tap_cerebro_demo.generator.storage import DemoSettings, load_or_generate

    (tenant,) = [t for t in load_tenants(settings.tenants_file) if t.tenant_id == tenant_id]
    directory = load_or_generate(
        DemoSettings.from_tap_config(demo_settings(tenant, settings.demo_dir)), settings.demo_dir
    )
    table = pq.read_table(directory / "ads_insights.parquet")
    spend = [-abs(x) - 1 if n % 5 == 0 else x for n, x in enumerate(table["spend"].to_pylist())]
    column = table.column_names.index("spend")
    pq.write_table(
        table.set_column(column, "spend", pa.array(spend, table["spend"].type)),
        directory / "ads_insights.parquet",
    )


def _landing_and_a_reader():
    from orchestration.held_back import tenants_held_back
    from orchestration.ingestion_assets import landing_assets
    from orchestration.partitions import tenant_daily_partitions, window_of
    from orchestration.resources import CerebroResource

    (land,) = [asset for asset in landing_assets() if asset.op.name == "land_meta_ads"]

    @dg.asset(
        deps=[dg.AssetKey(["meta_ads", "ads_insights"])],
        partitions_def=tenant_daily_partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
    )
    def spend_read_downstream(context) -> dg.MaterializeResult:
        """Stands for the dbt step: materialized only when the landing's checks let it, for
        the run's tenants its checks did not hold back (as dbt_models narrows its window)."""
        held = tenants_held_back(context.instance, context.run_id)
        built = sorted(set(window_of(context.partition_keys).tenants) - set(held))
        return dg.MaterializeResult(metadata={"built": built, "held": sorted(held)})

    return [land, spend_read_downstream], {"cerebro": CerebroResource()}


def test_a_failed_contract_check_stops_downstream_for_its_tenant_only(settings):
    from orchestration.partitions import partition_key, register_tenants

    _break_a_fifth_of_the_spend(settings, "broken_cl")
    assets, resources = _landing_and_a_reader()
    instance = dg.DagsterInstance.ephemeral()
    register_tenants(instance, ["broken_cl", "sound_pe"])

    runs = {}
    for tenant in ("broken_cl", "sound_pe"):  # one run per tenant, as the schedule launches
        runs[tenant] = dg.materialize(
            assets, partition_key=str(partition_key(DAY, tenant)), instance=instance,
            resources=resources, raise_on_error=False,
        )  # fmt: skip

    def outcome(result) -> tuple[bool, list[str]]:
        # The landing also lands the ad accounts, with a contract check of their own.
        (check,) = [
            evaluation for evaluation in result.get_asset_check_evaluations()
            if evaluation.asset_key == dg.AssetKey(["meta_ads", "ads_insights"])
        ]  # fmt: skip
        events = result.get_asset_materialization_events()
        return check.passed, sorted({event.asset_key.to_user_string() for event in events})

    landed = ["meta_ads/ad_accounts", "meta_ads/ads_insights"]
    assert outcome(runs["broken_cl"]) == (False, landed)
    assert outcome(runs["sound_pe"]) == (True, [*landed, "spend_read_downstream"])
    assert not runs["broken_cl"].success and runs["sound_pe"].success


def _one_run_for_both(assets, resources):
    from orchestration.partitions import (
        RANGE_END_TAG,
        RANGE_START_TAG,
        partition_key,
        register_tenants,
    )

    instance = dg.DagsterInstance.ephemeral()
    register_tenants(instance, ["broken_cl", "sound_pe"])
    tags = {  # the night's run for both tenants, as the schedule launches it
        RANGE_START_TAG: str(partition_key(DAY, "broken_cl")),
        RANGE_END_TAG: str(partition_key(DAY, "sound_pe")),
    }
    return dg.materialize(
        assets, instance=instance, resources=resources, tags=tags, raise_on_error=False
    )


def _check(result, name: str, table: str | None = None):
    (check,) = [
        evaluation for evaluation in result.get_asset_check_evaluations()
        if evaluation.check_name == name
        and table in (None, evaluation.asset_key.path[-1])
    ]  # fmt: skip
    return check


def _reader_metadata(result) -> dict:
    """What the reader built: the same for each of the run's partitions (one event each)."""
    metadata = [
        {k: v.value for k, v in event.materialization.metadata.items()}
        for event in result.get_asset_materialization_events()
        if event.asset_key == dg.AssetKey("spend_read_downstream")
    ]
    assert len(metadata) == 2 and metadata[0] == metadata[1], metadata
    return metadata[0]


def test_in_a_run_for_both_tenants_the_one_that_broke_its_contract_is_held_back(settings):
    _break_a_fifth_of_the_spend(settings, "broken_cl")
    result = _one_run_for_both(*_landing_and_a_reader())

    check = _check(result, "contract", "ads_insights")
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    assert check.metadata["tenants_over_limit"].value == ["broken_cl"]
    assert result.success
    assert _reader_metadata(result) == {"built": ["sound_pe"], "held": ["broken_cl"]}


def test_in_a_run_for_both_tenants_a_failed_landing_leaves_the_other_landed(settings):
    from cerebro.landing.ingest import state_path

    unusable = state_path(settings, "sound_pe", "meta_ads")
    unusable.parent.mkdir(parents=True, exist_ok=True)
    unusable.write_text("[]")  # a JSON list: no tap can resume from it
    result = _one_run_for_both(*_landing_and_a_reader())

    landed = _check(result, "every_tenant_landed")
    assert not landed.passed
    assert list(landed.metadata["failed"].value) == ["sound_pe"]
    assert "sound_pe/meta_ads" in landed.metadata["failed"].value["sound_pe"]
    assert _check(result, "contract", "ads_insights").passed
    assert result.success
    assert _reader_metadata(result) == {"built": ["broken_cl"], "held": ["sound_pe"]}
    assert unusable.read_text() == "[]"  # left for the user to mend, as in a run of its own
