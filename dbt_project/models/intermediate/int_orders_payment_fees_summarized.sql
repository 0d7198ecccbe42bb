{{
    config(
        materialized='incremental',
        partition_date_column='order_created_date',
        pre_hook="{{ hash_joins_only() }}",
    )
}}
{#- Incremental like fct_order_margins, its reader (decision 0017): a partition run re-reads
    the window's orders and replaces their rows. -#}
{%- set window = partition_window() if is_incremental() else none %}

-- What the payment gateways kept of each order (doc block kpi_contribution_margin): every
-- successful sale or capture pays the gateway's share of its amount plus its fixed fee, at
-- the fee valid on the order's local creation day.
with

window_orders as (
    {{ dated_orders(window) }}
),

transactions as (
    select * from {{ ref('stg_shopify__transactions') }}
    where {{ partition_window_tenants_predicate(window) }}
),

payment_fees as (
    select * from {{ ref('stg_costs__payment_fees') }}
),

payments as (
    select
        transactions.tenant_id,
        transactions.order_id,
        window_orders.order_created_date,
        transactions.gateway,
        transactions.amount
    from transactions
    inner join window_orders
        on transactions.tenant_id = window_orders.tenant_id
        and transactions.order_id = window_orders.order_id
    where {{ is_successful_payment('transactions') }}
),

payments_priced as (
    select
        payments.tenant_id,
        payments.order_id,
        payments.order_created_date,
        payments.amount,
        payment_fees.gateway is not null as has_fee,
        coalesce(payment_fees.fee_rate * payments.amount + payment_fees.fixed_fee_amount, 0)
            as fee_amount
    from payments
    left join payment_fees
        on payments.tenant_id = payment_fees.tenant_id
        and payments.gateway = payment_fees.gateway
        and payments.order_created_date >= payment_fees.valid_from
        and (payment_fees.valid_to is null or payments.order_created_date < payment_fees.valid_to)
),

summarized as (
    select
        tenant_id,
        order_id,
        order_created_date,
        count(*) as payments_count,
        sum(amount) as charged_amount,
        sum(fee_amount) as payment_fee_amount,
        sum(case when has_fee then 0 else 1 end) as payments_without_fee
    from payments_priced
    group by 1, 2, 3
)

select * from summarized
