"""One multi-asset per Singer source: its tap runs for every tenant that has it.

The asset keys are the dbt sources' keys (``[source, table]``), read from the
dbt manifest, so dagster-dbt wires staging models downstream of ingestion with
no list to keep in sync. Landing is partitioned like the dbt step (per tenant and day): a run
lands the tenants of its partitions. Each sync is incremental from the tenant's Singer state
(with the tap's own lookback for restated days) and upserts by key, so landing a partition again,
or many partitions in one backfill run, lands each row once. In a run for several tenants
(a night's, decision 0078) a tenant whose landing fails is set aside and the others land; the
step fails only when none of them could, and its check ``every_tenant_landed`` names them.
"""

import datetime as dt

import dagster as dg

from cerebro.landing.contracts.landed import mark_checked, unchecked_since
from cerebro.landing.ingest import land_each_tenant, raw_row_counts
from cerebro.landing.pipeline import ForeseenLandingError, LandingError, UnusableStateError
from cerebro.progress import counted, note
from orchestration.contract_checks import contract_check_specs, evaluate_contracts
from orchestration.dbt_project import singer_sources
from orchestration.freshness import DAILY_FRESHNESS
from orchestration.partitions import tenant_daily_partitions, window_of
from orchestration.resources import CerebroResource

#: The check a landing step reports on its first table: every tenant of the run landed.
EVERY_TENANT_LANDED = "every_tenant_landed"


def _every_tenant_landed_spec(source: str, table: str) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        EVERY_TENANT_LANDED,
        asset=[source, table],
        description=(
            f"Every tenant of the run with {source} landed it. A tenant whose tap failed keeps "
            "its last landed rows (its marts a day older) while the run's other tenants go on; "
            "the check's metadata says why it failed."
        ),
    )


def _landing_failure(failures: dict[str, LandingError]) -> Exception:
    """No tenant of the run landed: the error the step fails with."""
    errors = list(failures.values())
    if all(isinstance(e, (UnusableStateError, ForeseenLandingError)) for e in errors):
        # The same file, token or host would fail the retries the same way: one failure, said
        # once, in minutes rather than after two more attempts 30 s apart.
        return dg.Failure("\n".join(str(e) for e in errors), allow_retries=False)
    # Anything else may be transient: the step's retry policy tries again.
    return errors[0] if len(errors) == 1 else LandingError("\n".join(str(e) for e in errors))


def _landing_asset(source: str, tables: list[str]) -> dg.AssetsDefinition:
    @dg.multi_asset(
        name=f"land_{source}",
        specs=[
            dg.AssetSpec(
                [source, table],
                group_name="ingestion",
                kinds={"singer"},
                description=f"Raw `{table}` of {source}, landed by its Singer tap (upsert by key).",
                deps=["demo_datasets"],
                freshness_policy=DAILY_FRESHNESS,
            )
            for table in tables
        ],
        check_specs=[
            *contract_check_specs(source, tables),
            _every_tenant_landed_spec(source, tables[0]),
        ],
        retry_policy=dg.RetryPolicy(max_retries=2, delay=30),
        partitions_def=tenant_daily_partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
    )
    def land(context: dg.AssetExecutionContext, cerebro: CerebroResource):
        window = window_of(context.partition_keys)
        tenants = [t for t in cerebro.tenants() if t.tenant_id in window.tenants]
        removed = sorted(set(window.tenants) - {t.tenant_id for t in tenants})
        if removed:
            # A tenant taken out of the file keeps its partitions (and its data) but lands no more.
            context.log.warning(f"not in the tenants file, not landed: {', '.join(removed)}")
        # Rows this landing writes carry a later _sdc_batched_at: only those are checked, and
        # those an earlier landing wrote before it failed.
        landing_started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        tenant_ids = [t.tenant_id for t in tenants]
        since = unchecked_since(cerebro.settings(), tenant_ids, source, landing_started)
        landings = land_each_tenant(source, tenants, cerebro.settings(), cerebro.warehouse())
        results, failures = landings.results, landings.failures
        if failures and not results:
            raise _landing_failure(failures)
        for tenant_id, error in failures.items():
            context.log.error(
                f"{tenant_id}/{source}: not landed, its data stays as it was: {error}"
            )
        for result in results:
            context.log.info(
                f"{result.tenant_id}/{source}: {result.records} records in {result.seconds:.1f}s"
            )
        records = sum(result.records for result in results)
        if results:
            note(context, f"{records:,} records for {counted(len(results), 'tenant')}")
        else:
            # "0 records for 0 tenants" read as a failed landing to a newcomer.
            note(context, f"skipped: no tenant of this run connects {source}")
        counts = raw_row_counts(cerebro.warehouse(), source)
        for table in tables:
            rows = counts[counts["table"] == f"raw_{source}.{table}"]
            rows_by_tenant = dict(zip(rows["tenant_id"], rows["n_rows"].astype(int), strict=True))
            synced = {r.tenant_id: r.records_by_stream.get(table, 0) for r in results}
            yield dg.MaterializeResult(
                asset_key=[source, table],
                metadata={
                    "rows": int(rows["n_rows"].sum()),
                    "rows_by_tenant": rows_by_tenant,
                    "records_synced_this_run": synced,
                },
            )
        yield dg.AssetCheckResult(
            asset_key=[source, tables[0]],
            check_name=EVERY_TENANT_LANDED,
            passed=not failures,
            metadata={"failed": {t: str(e).splitlines()[0] for t, e in failures.items()}},
        )
        landed = [t for t in tenants if t.tenant_id not in failures]
        yield from evaluate_contracts(context, source, landed, cerebro.warehouse(), since=since)
        mark_checked(cerebro.settings(), [t.tenant_id for t in landed], source)

    return land


def landing_assets() -> list[dg.AssetsDefinition]:
    return [_landing_asset(source, tables) for source, tables in singer_sources().items()]
