-- A view: the table is replaced after every run, and a view shows it as it is now.
-- Runs with the reader's rights (security_invoker), so that tenant roles read it through the
-- table's row-level security (decision 0030).
{{ config(materialized='view', post_hook="{{ security_invoker() }}") }}

with

source as (
    select * from {{ source_or_empty('ops', 'dagster_runs') }}
),

renamed as (
    select
        -- NULL: the run covered several tenants (or is not partitioned per tenant).
        tenant_id,
        run_id,
        job_name,
        upper(status) as run_status,
        cast(partition_start_date as date) as partition_start_date,
        cast(partition_end_date as date) as partition_end_date,
        created_at,
        started_at,
        finished_at,
        {{ dbt.datediff('started_at', 'finished_at', 'second') }} as duration_seconds
    from source
)

select * from renamed
