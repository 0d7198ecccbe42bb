{{ config(partition_date_column='created_date') }}

-- Cart abandonment inputs per local day: checkouts created, those still inside
-- the abandonment window at the data's cut-off (left out of both sides), and
-- the abandoned ones among the rest (never completed into an order).
with

checkouts as (
    select * from {{ ref('fct_checkouts') }}
    where {{ in_partition_window('created_date') }}
),

cutoffs as (
    select * from {{ ref('int_tenant_data_cutoffs') }}
),

flagged as (
    select
        checkouts.tenant_id,
        checkouts.created_date,
        checkouts.is_completed,
        checkouts.created_at > {{ dbt.dateadd('hour', -1 * var('abandonment_window_hours'), 'cutoffs.data_cutoff_at') }}
            as is_inside_window
    from checkouts
    inner join cutoffs
        on checkouts.tenant_id = cutoffs.tenant_id
),

aggregated as (
    select
        tenant_id,
        created_date,
        count(*) as checkouts_created,
        sum(case when is_inside_window then 1 else 0 end) as checkouts_inside_window,
        sum(case when not is_inside_window then 1 else 0 end) as eligible_checkouts,
        sum(case when not is_inside_window and not is_completed then 1 else 0 end)
            as abandoned_checkouts
    from flagged
    group by 1, 2
)

select * from aggregated
