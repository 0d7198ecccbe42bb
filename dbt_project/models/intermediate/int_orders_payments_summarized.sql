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

-- When and how each order was paid: the first successful sale or capture.
with

-- The orders whose rows this run replaces, dated by their local creation day.
window_orders as (
    {{ dated_orders(window) }}
),

transactions as (
    select * from {{ ref('stg_shopify__transactions') }}
    where {{ partition_window_tenants_predicate(window) }}
),

payment_gateways as (
    select * from {{ ref('payment_gateways') }}
),

successful_payments as (
    select
        transactions.tenant_id,
        transactions.order_id,
        window_orders.order_created_date,
        transactions.gateway,
        transactions.processed_at,
        row_number() over (
            partition by transactions.tenant_id, transactions.order_id
            order by transactions.processed_at, transactions.transaction_id
        ) as payment_number
    from transactions
    inner join window_orders
        on transactions.tenant_id = window_orders.tenant_id
        and transactions.order_id = window_orders.order_id
    where {{ is_successful_payment('transactions') }}
),

first_payments as (
    select
        successful_payments.tenant_id,
        successful_payments.order_id,
        successful_payments.order_created_date,
        successful_payments.processed_at as paid_at,
        successful_payments.gateway as payment_gateway,
        coalesce(payment_gateways.payment_method, 'Otro') as payment_method
    from successful_payments
    left join payment_gateways
        on successful_payments.gateway = payment_gateways.gateway
    where successful_payments.payment_number = 1
)

select * from first_payments
