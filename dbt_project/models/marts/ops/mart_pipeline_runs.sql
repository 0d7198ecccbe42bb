-- Pipeline runs for "Salud de datos": one row per Dagster run, with whether it failed and,
-- for a failure, when the same job next succeeded (time to recover). A view, so the
-- dashboard sees the run that just ended.
{{ config(materialized='view') }}

with

runs as (
    select * from {{ ref('stg_ops__dagster_runs') }}
),

with_recovery as (
    select
        runs.*,
        runs.run_status = 'FAILURE' as is_failure,
        runs.run_status = 'SUCCESS' as is_success,
        -- The next successful run of the same job: recovery for a failure.
        min(case when runs.run_status = 'SUCCESS' then runs.finished_at end) over (
            partition by runs.job_name
            order by runs.created_at, runs.run_id
            rows between 1 following and unbounded following
        ) as recovered_at
    from runs
)

select
    run_id,
    job_name,
    run_status,
    is_success,
    is_failure,
    created_at,
    started_at,
    finished_at,
    duration_seconds,
    case when is_failure then recovered_at end as recovered_at,
    case
        when is_failure and recovered_at is not null
            then {{ dbt.datediff('finished_at', 'recovered_at', 'second') }} / 3600.0
    end as hours_to_recover
from with_recovery
