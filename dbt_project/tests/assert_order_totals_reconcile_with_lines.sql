-- Reported in Dagster as a check on fct_orders.
{{ config(meta={'dagster': {'ref': {'name': 'fct_orders'}}}) }}

-- Per order, the Shopify order shape adds up: the subtotal is its lines after their
-- discounts, the discount is its lines' discounts, and the total is the subtotal plus
-- shipping, plus taxes when prices exclude them (taxesIncluded false; the demo's prices
-- include them). Amounts are rounded to the currency, so a side may be off by less than
-- one minor unit (1 peso, 1 céntimo), never by one. Returns the orders that do not add up.
-- A partition run checks the orders of its window (an order's lines carry its date).
{%- set window = partition_window() if execute else none %}

with

orders as (
    select * from {{ ref('fct_orders') }}
    where {{ partition_window_predicate(window, 'created_date') }}
),

order_lines as (
    select * from {{ ref('fct_order_lines') }}
    where {{ partition_window_predicate(window, 'created_date') }}
),

line_totals as (
    select
        tenant_id,
        order_id,
        sum(original_amount) as lines_original_amount,
        sum(discount_amount) as lines_discount_amount
    from order_lines
    group by 1, 2
),

expected as (
    select
        orders.tenant_id,
        orders.order_id,
        orders.currency,
        orders.subtotal_amount,
        coalesce(line_totals.lines_original_amount, 0)
            - coalesce(line_totals.lines_discount_amount, 0) as expected_subtotal_amount,
        orders.discount_amount,
        coalesce(line_totals.lines_discount_amount, 0) as expected_discount_amount,
        orders.total_amount,
        coalesce(line_totals.lines_original_amount, 0)
            - coalesce(line_totals.lines_discount_amount, 0)
            + coalesce(orders.shipping_amount, 0)
            + case when orders.are_taxes_included then 0 else coalesce(orders.tax_amount, 0) end
            as expected_total_amount,
        {{ currency_minor_unit('orders.currency') }} as tolerance_amount
    from orders
    left join line_totals
        on orders.tenant_id = line_totals.tenant_id
        and orders.order_id = line_totals.order_id
)

select *
from expected
-- A missing amount does not add up either.
where not coalesce(abs(total_amount - expected_total_amount) < tolerance_amount, false)
    or not coalesce(abs(subtotal_amount - expected_subtotal_amount) < tolerance_amount, false)
    or not coalesce(abs(discount_amount - expected_discount_amount) < tolerance_amount, false)
