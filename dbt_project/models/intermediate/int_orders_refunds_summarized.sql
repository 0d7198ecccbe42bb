-- Money given back per order, from the refunds stream.
with

refunds as (
    select * from {{ ref('stg_shopify__refunds') }}
),

summarized as (
    select
        refunds.tenant_id,
        refunds.order_id,
        sum(refunds.amount) as refunded_amount,
        count(*) as refunds_count,
        max(refunds.created_at) as last_refunded_at
    from refunds
    group by 1, 2
)

select * from summarized
