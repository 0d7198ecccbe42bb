{{ config(partition_date_column='created_date') }}

-- One row per customer and local day with a valid order: the per-customer
-- rows behind distinct counts (purchase frequency), retention, cohorts and
-- RFM, which are not additive over days.
with

orders as (
    select * from {{ ref('fct_orders') }}
    where is_valid and customer_id is not null
        and {{ in_partition_window('created_date') }}
),

aggregated as (
    select
        orders.tenant_id,
        orders.customer_id,
        orders.created_date,
        count(*) as valid_orders,
        sum(orders.total_amount) as valid_orders_amount,
        sum(orders.net_amount) as valid_orders_net_amount
    from orders
    group by 1, 2, 3
)

select * from aggregated
