{#- A table, not a view: fct_orders and this model's data tests read it; as a view each of
    them ranked every transaction again (decision 0016). -#}
{{ config(materialized='table') }}

-- When and how each order was paid: the first successful sale or capture.
with

transactions as (
    select * from {{ ref('stg_shopify__transactions') }}
),

payment_gateways as (
    select * from {{ ref('payment_gateways') }}
),

successful_payments as (
    select
        transactions.tenant_id,
        transactions.order_id,
        transactions.gateway,
        transactions.processed_at,
        row_number() over (
            partition by transactions.tenant_id, transactions.order_id
            order by transactions.processed_at, transactions.transaction_id
        ) as payment_number
    from transactions
    where transactions.transaction_status = 'SUCCESS'
        and transactions.transaction_kind in ('SALE', 'CAPTURE')
),

first_payments as (
    select
        successful_payments.tenant_id,
        successful_payments.order_id,
        successful_payments.processed_at as paid_at,
        successful_payments.gateway as payment_gateway,
        coalesce(payment_gateways.payment_method, 'Otro') as payment_method
    from successful_payments
    left join payment_gateways
        on successful_payments.gateway = payment_gateways.gateway
    where successful_payments.payment_number = 1
)

select * from first_payments
