-- Each Dagster run once per tenant it covered, so that reliability can be read per tenant:
-- a run whose partitions are one tenant's belongs to that tenant; a run with no tenant
-- (`cerebro run` over every tenant, daily_publish) belongs to every tenant. A failure is
-- recovered by the first success of the same job to end after it, for the tenant or for every
-- tenant.
-- A view, like the run history it reads.
-- Runs with the reader's rights (security_invoker): a tenant role reads its own and every-tenant
-- runs and its own row of dim_tenants, so every-tenant runs are attributed to it alone
-- (decision 0030).
{{ config(materialized='view', post_hook="{{ security_invoker() }}") }}

with

runs as (
    select * from {{ ref('stg_ops__dagster_runs') }}
),

tenants as (
    select * from {{ ref('dim_tenants') }}
),

attributed as (
    select
        tenants.tenant_id,
        false as is_tenant_run,
        runs.run_id,
        runs.job_name,
        runs.run_status,
        runs.created_at,
        runs.started_at,
        runs.finished_at,
        runs.duration_seconds
    from runs
    cross join tenants
    where runs.tenant_id is null

    union all

    select
        runs.tenant_id,
        true as is_tenant_run,
        runs.run_id,
        runs.job_name,
        runs.run_status,
        runs.created_at,
        runs.started_at,
        runs.finished_at,
        runs.duration_seconds
    from runs
    where runs.tenant_id is not null
),

with_next_success as (
    select
        attributed.*,
        cast(coalesce(attributed.started_at, attributed.created_at) as date) as run_date,
        min(case when attributed.run_status = 'SUCCESS' then attributed.finished_at end) over (
            partition by attributed.tenant_id, attributed.job_name
            -- Runs in the order they ended (unfinished last): the next success ends after.
            order by attributed.finished_at nulls last, attributed.run_id
            rows between 1 following and unbounded following
        ) as next_success_at
    from attributed
)

select
    tenant_id,
    run_id,
    job_name,
    run_date,
    is_tenant_run,
    run_status,
    run_status = 'SUCCESS' as is_success,
    run_status = 'FAILURE' as is_failure,
    created_at,
    started_at,
    finished_at,
    duration_seconds,
    case when run_status = 'FAILURE' then next_success_at end as recovered_at,
    case
        when run_status = 'FAILURE' and next_success_at is not null
            then cast({{ dbt.datediff('finished_at', 'next_success_at', 'second') }}
                as {{ type_double() }}) / 3600
    end as hours_to_recover,
    run_status = 'FAILURE' and next_success_at is null as is_open_incident
from with_next_success
