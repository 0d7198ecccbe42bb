-- Reported in Dagster as a check on fct_orders.
{{ config(meta={'dagster': {'ref': {'name': 'fct_orders'}}}) }}

-- An order's total is its lines after discounts plus shipping (taxes are
-- included in prices), to the cent. Returns the orders that do not add up.
with

orders as (
    select * from {{ ref('fct_orders') }}
),

order_lines as (
    select * from {{ ref('fct_order_lines') }}
),

line_totals as (
    select
        tenant_id,
        order_id,
        sum(line_amount) as lines_amount,
        sum(discount_amount) as lines_discount_amount
    from order_lines
    group by 1, 2
)

select
    orders.tenant_id,
    orders.order_id,
    orders.total_amount,
    line_totals.lines_amount,
    orders.shipping_amount
from orders
left join line_totals
    on orders.tenant_id = line_totals.tenant_id
    and orders.order_id = line_totals.order_id
where abs(orders.total_amount - (coalesce(line_totals.lines_amount, 0) + orders.shipping_amount)) > 0.005
    or abs(orders.discount_amount - coalesce(line_totals.lines_discount_amount, 0)) > 0.005
