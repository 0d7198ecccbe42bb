-- Pipeline reliability per tenant, job and UTC day (the day a run started) for "Salud de
-- datos": runs, outcomes, failure rate, durations and time to recover. A run counts for the
-- tenant it covered, or for every tenant when it covered several (see
-- int_pipeline_runs_tenant_attributed). A failure's recovery is reported on the day it
-- failed; one that has not recovered yet is an open incident. A view, like the run history
-- it reads: the dashboard sees the run that just ended.
-- Runs with the reader's rights (security_invoker): a tenant role reads its own rows through
-- the row-level security under it (decision 0030).
{{ config(materialized=view_or_table_on_spark(), post_hook="{{ security_invoker() }}") }}

with

runs as (
    select * from {{ ref('int_pipeline_runs_tenant_attributed') }}
),

daily as (
    select
        tenant_id,
        job_name,
        run_date,
        count(*) as runs,
        sum(case when is_success then 1 else 0 end) as successes,
        sum(case when is_failure then 1 else 0 end) as failures,
        -- An ordered-set aggregate with the same syntax and meaning on PostgreSQL and DuckDB.
        percentile_cont(0.5) within group (
            order by case when is_success then duration_seconds end
        ) as median_duration_seconds,
        max(case when is_success then duration_seconds end) as max_duration_seconds,
        count(hours_to_recover) as recovered_failures,
        sum(hours_to_recover) as total_hours_to_recover,
        max(hours_to_recover) as max_hours_to_recover,
        sum(case when is_open_incident then 1 else 0 end) as open_incidents
    from runs
    group by 1, 2, 3
)

select
    tenant_id,
    job_name,
    run_date,
    runs,
    successes,
    failures,
    -- Cancelled and unfinished runs are neither: they count in runs only.
    {{ safe_divide('failures', 'successes + failures') }} as failure_rate,
    cast(median_duration_seconds as {{ type_double() }}) as median_duration_seconds,
    cast(max_duration_seconds as {{ type_double() }}) as max_duration_seconds,
    recovered_failures,
    total_hours_to_recover,
    {{ safe_divide('total_hours_to_recover', 'recovered_failures') }} as mean_hours_to_recover,
    max_hours_to_recover,
    open_incidents,
    open_incidents > 0 as has_open_incident
from daily
