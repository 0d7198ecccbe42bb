{{
    config(
        materialized='incremental',
        partition_date_column='order_created_date',
        pre_hook="{{ hash_joins_only() }}",
    )
}}
{#- Incremental like fct_orders, its reader (decision 0017): a partition run re-reads the
    window's orders (their local creation day, lookback included) and replaces their rows; a
    full build reads everything. A table rebuilt whole for every tenant cost a daily run more
    than its incremental models together. -#}
{%- set window = partition_window() if is_incremental() else none %}

-- When each order's service was completed: its first successful fulfillment.
with

-- The orders whose rows this run replaces, dated by their local creation day.
window_orders as (
    {{ dated_orders(window) }}
),

fulfillments as (
    select * from {{ ref('stg_shopify__fulfillments') }}
    where {{ partition_window_tenants_predicate(window) }}
),

summarized as (
    select
        fulfillments.tenant_id,
        fulfillments.order_id,
        window_orders.order_created_date,
        min(coalesce(fulfillments.delivered_at, fulfillments.created_at)) as completed_at
    from fulfillments
    inner join window_orders
        on fulfillments.tenant_id = window_orders.tenant_id
        and fulfillments.order_id = window_orders.order_id
    where fulfillments.fulfillment_status = 'SUCCESS'
    group by 1, 2, 3
)

select * from summarized
