-- A view: the table is replaced after every run, and a view shows it as it is now.
{{ config(materialized='view') }}

with

source as (
    select * from {{ source_or_empty('ops', 'dagster_runs') }}
),

renamed as (
    select
        run_id,
        job_name,
        upper(status) as run_status,
        created_at,
        started_at,
        finished_at,
        {{ dbt.datediff('started_at', 'finished_at', 'second') }} as duration_seconds
    from source
)

select * from renamed
