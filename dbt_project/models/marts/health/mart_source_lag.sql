-- How far behind each source is, per tenant, and its freshness light: minutes from its last
-- landing with rows to the clock (macro health_clock: the time the view is read, or a fixed
-- time in tests), against the source's freshness targets (its dbt source config). The one home
-- of a source's lag: the "Estado de las fuentes" card and the staleness alert read it.
-- Operational figures (the hourly run) are as old as this lag for Shopify. A view, so the lag
-- grows while nothing lands instead of freezing at the last build; it reads
-- mart_landing_daily, which the hourly run refreshes with the operational marts (tag
-- `hourly`), so it is small to scan.
-- Runs with the reader's rights (security_invoker): tenant roles see their own rows (decision
-- 0030).
{{ config(materialized=view_or_table_on_spark(), post_hook="{{ security_invoker() }}") }}

with

landing_daily as (
    select * from {{ ref('mart_landing_daily') }}
),

per_source as (
    select
        landing_daily.tenant_id,
        landing_daily.source_name,
        cast(count(distinct landing_daily.stream_name) as integer) as streams,
        cast(sum(landing_daily.rows_landed) as bigint) as rows_landed,
        max(landing_daily._sdc_last_batched_at) as _sdc_last_batched_at,
        -- A source's target is its strictest stream's.
        min(landing_daily.warn_after_hours) as warn_after_hours,
        min(landing_daily.error_after_hours) as error_after_hours
    from landing_daily
    group by 1, 2
),

measured as (
    select
        per_source.*,
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

select
    aged.*,
    case
        when aged.warn_after_hours is null or aged.lag_minutes <= aged.warn_after_hours * 60 then 'verde'
        when aged.error_after_hours is null or aged.lag_minutes <= aged.error_after_hours * 60 then 'amarillo'
        else 'rojo'
    end as freshness_status
from aged
