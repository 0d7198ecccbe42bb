{#- PostgreSQL: besides the (tenant, date) index every mart gets, one for an order's lines
    (the customer page's services per order); postgres_only_indexes. -#}
{{ config(
    partition_date_column='created_date',
    indexes=postgres_only_indexes(['tenant_id', 'order_id']),
) }}

with

order_lines as (
    select * from {{ ref('stg_shopify__order_lines') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
    -- Incremental runs: the window's orders before the join.
    where {{ in_partition_window('created_date') }}
),

joined as (
    select
        order_lines.tenant_id,
        order_lines.order_line_id,
        order_lines.order_id,
        orders.customer_id,
        orders.created_at,
        orders.created_date,
        orders.is_valid as is_valid_order,
        order_lines.product_id,
        order_lines.product_title as service_name,
        order_lines.variant_title,
        order_lines.sku,
        order_lines.quantity,
        order_lines.unit_price_amount,
        order_lines.original_amount,
        order_lines.discount_amount,
        order_lines.original_amount - order_lines.discount_amount as line_amount
    from order_lines
    -- Inner join: lines of test orders leave with their orders.
    inner join orders
        on order_lines.tenant_id = orders.tenant_id
        and order_lines.order_id = orders.order_id
)

select * from joined
where {{ in_partition_window('created_date') }}
