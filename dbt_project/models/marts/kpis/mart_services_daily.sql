{{ config(partition_date_column='created_date') }}

-- Valid orders per local day and service: orders containing it, units and
-- revenue (line amounts after discounts), by channel and region.
with

order_lines as (
    select * from {{ ref('fct_order_lines') }}
    where is_valid_order
        and {{ in_partition_window('created_date') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

aggregated as (
    select
        order_lines.tenant_id,
        order_lines.created_date,
        order_lines.service_name,
        coalesce(orders.channel_group, 'Directo') as channel_group,
        orders.region_name,
        count(distinct order_lines.order_id) as orders_with_service,
        sum(order_lines.quantity) as units,
        sum(order_lines.line_amount) as revenue
    from order_lines
    inner join orders
        on order_lines.tenant_id = orders.tenant_id
        and order_lines.order_id = orders.order_id
    group by 1, 2, 3, 4, 5
)

select * from aggregated
