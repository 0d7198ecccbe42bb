{{ config(partition_date_column='completed_date') }}

-- Valid orders by the local day their service was completed: the inputs of
-- the mean service cycle time and the mean rating (doc kpi_order_completions).
with

orders as (
    select * from {{ ref('fct_orders') }}
    where is_valid and completed_at is not null
        and {{ in_partition_window('completed_date') }}
),

aggregated as (
    select
        orders.tenant_id,
        orders.completed_date,
        coalesce(orders.channel_group, 'Directo') as channel_group,
        orders.region_name,
        orders.comuna,
        count(*) as completed_orders,
        -- Exact: a plain sum of doubles changes in its last bits with the order the rows are
        -- added in, and a partition run must equal a full rebuild (decision 0013).
        {{ sum_exact('orders.service_cycle_hours') }} as service_cycle_hours_total,
        sum(case when orders.rating is not null then 1 else 0 end) as rated_orders,
        coalesce(sum(orders.rating), 0) as ratings_total
    from orders
    group by 1, 2, 3, 4, 5
)

select * from aggregated
