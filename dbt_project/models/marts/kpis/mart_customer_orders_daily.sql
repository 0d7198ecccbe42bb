{{ config(partition_date_column='created_date') }}

-- One row per customer and local day with a valid order: the per-customer
-- rows behind distinct counts (purchase frequency), retention, cohorts and
-- RFM, which are not additive over days; and the customer brain's transactions,
-- valued by revenue net of refunds or by contribution margin (the `clv: value` setting).
with

orders as (
    select * from {{ ref('fct_orders') }}
    where is_valid and customer_id is not null
        and {{ in_partition_window('created_date') }}
),

order_margins as (
    select * from {{ ref('fct_order_margins') }}
    where {{ in_partition_window('created_date') }}
),

aggregated as (
    select
        orders.tenant_id,
        orders.customer_id,
        orders.created_date,
        count(*) as valid_orders,
        sum(orders.total_amount) as valid_orders_amount,
        sum(orders.net_amount) as valid_orders_net_amount,
        sum(order_margins.contribution_margin_amount) as valid_orders_margin_amount
    from orders
    left join order_margins
        on orders.tenant_id = order_margins.tenant_id
        and orders.order_id = order_margins.order_id
    group by 1, 2, 3
)

select * from aggregated
