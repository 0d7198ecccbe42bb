{{ config(partition_date_column='activity_date') }}

-- One row per customer and local day with a valid order or a checkout: the
-- input of mart_customer_retention_daily (doc kpi_retention).
with

orders as (
    select * from {{ ref('fct_orders') }}
    where is_valid and customer_id is not null
        and {{ in_partition_window('created_date') }}
),

checkouts as (
    select * from {{ ref('fct_checkouts') }}
    where customer_id is not null
        and {{ in_partition_window('created_date') }}
),

activity as (
    select tenant_id, customer_id, created_date as activity_date, 1 as is_order, 0 as is_checkout
    from orders
    union all
    select tenant_id, customer_id, created_date as activity_date, 0 as is_order, 1 as is_checkout
    from checkouts
),

aggregated as (
    select
        tenant_id,
        customer_id,
        activity_date,
        max(is_order) = 1 as has_valid_order,
        max(is_checkout) = 1 as has_checkout
    from activity
    group by 1, 2, 3
)

select * from aggregated
