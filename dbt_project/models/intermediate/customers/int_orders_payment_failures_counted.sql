-- Failed payment attempts per order (a declined card, a rejected transfer): the health
-- score's payment signal. Only orders with at least one failure have a row.
{{ config(materialized='view') }}

with

transactions as (
    select * from {{ ref('stg_shopify__transactions') }}
),

counted as (
    select
        transactions.tenant_id,
        transactions.order_id,
        count(*) as failed_payment_attempts
    from transactions
    where transactions.transaction_status = 'FAILURE'
        and transactions.transaction_kind in ('SALE', 'AUTHORIZATION', 'CAPTURE')
    group by 1, 2
)

select * from counted
