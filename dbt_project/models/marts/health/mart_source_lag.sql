-- How far behind each source is, per tenant: minutes from its last landing with rows to the
-- clock (macro health_clock: the time the view is read, or a fixed time in tests). Operational
-- figures (the hourly run) are as old as this lag for Shopify. A view, so the lag grows while
-- nothing lands instead of freezing at the last build; it reads mart_landing_daily, which the
-- hourly run refreshes with the operational marts (tag `hourly`), so it is small to scan.
-- Runs with the reader's rights (security_invoker): tenant roles see their own rows (decision
-- 0030).
{{ config(materialized='view', post_hook="{{ security_invoker() }}") }}

with

landing_daily as (
    select * from {{ ref('mart_landing_daily') }}
),

per_source as (
    select
        landing_daily.tenant_id,
        landing_daily.source_name,
        max(landing_daily._sdc_last_batched_at) as _sdc_last_batched_at
    from landing_daily
    group by 1, 2
),

measured as (
    select
        per_source.tenant_id,
        per_source.source_name,
        per_source._sdc_last_batched_at,
        {{ health_clock() }} as measured_at
    from per_source
),

aged as (
    select
        measured.*,
        -- Whole minutes elapsed (floor), not minute boundaries crossed: 59 s is 0 minutes.
        cast(floor({{ dbt.datediff('measured._sdc_last_batched_at', 'measured.measured_at', 'second') }} / 60.0) as integer)
            as lag_minutes
    from measured
)

select * from aged
