-- Pipeline runs for "Salud de datos": one row per Dagster run, with the tenant and partition
-- dates it covered, whether it failed and, for a failure, when the same job next succeeded
-- for what the failure covered (time to recover): a one-tenant failure is recovered by a
-- success for that tenant or for every tenant, an every-tenant failure by an every-tenant
-- success (per tenant, int_pipeline_runs_tenant_attributed also counts the tenant's own runs).
-- A view, so the dashboard sees the run that just ended.
-- Runs with the reader's rights (security_invoker): a tenant role reads its own and every-tenant
-- runs through the row-level security of ops.dagster_runs (decision 0030).
{{ config(materialized=view_or_table_on_spark(), post_hook="{{ security_invoker() }}") }}

with

runs as (
    select * from {{ ref('stg_ops__dagster_runs') }}
),

with_next_successes as (
    select
        runs.*,
        -- Runs in the order they ended (unfinished last): the next success ends after.
        -- NULL tenants form one partition: an every-tenant run's next every-tenant success.
        min(case when runs.run_status = 'SUCCESS' then runs.finished_at end) over (
            partition by runs.job_name, runs.tenant_id
            order by runs.finished_at nulls last, runs.run_id
            rows between 1 following and unbounded following
        ) as next_same_tenant_success_at,
        min(
            case
                when runs.run_status = 'SUCCESS' and runs.tenant_id is null then runs.finished_at
            end
        ) over (
            partition by runs.job_name
            order by runs.finished_at nulls last, runs.run_id
            rows between 1 following and unbounded following
        ) as next_every_tenant_success_at
    from runs
),

with_recovery as (
    select
        with_next_successes.*,
        run_status = 'FAILURE' as is_failure,
        run_status = 'SUCCESS' as is_success,
        -- The earlier of the two. least() skips NULLs on DuckDB and PostgreSQL but returns
        -- NULL on some warehouses (BigQuery, Snowflake); coalesce makes both read the same.
        coalesce(
            least(next_same_tenant_success_at, next_every_tenant_success_at),
            next_same_tenant_success_at,
            next_every_tenant_success_at
        ) as next_success_at
    from with_next_successes
)

select
    tenant_id,
    run_id,
    job_name,
    run_status,
    is_success,
    is_failure,
    partition_start_date,
    partition_end_date,
    created_at,
    started_at,
    finished_at,
    duration_seconds,
    case when is_failure then next_success_at end as recovered_at,
    case
        when is_failure and next_success_at is not null
            then cast({{ dbt.datediff('finished_at', 'next_success_at', 'second') }}
                as {{ type_double() }}) / 3600
    end as hours_to_recover,
    is_failure and next_success_at is null as is_open_incident
from with_recovery
