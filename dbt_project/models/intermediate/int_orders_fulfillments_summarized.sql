-- When each order's service was completed: its first successful fulfillment.
with

fulfillments as (
    select * from {{ ref('stg_shopify__fulfillments') }}
),

summarized as (
    select
        fulfillments.tenant_id,
        fulfillments.order_id,
        min(coalesce(fulfillments.delivered_at, fulfillments.created_at)) as completed_at
    from fulfillments
    where fulfillments.fulfillment_status = 'SUCCESS'
    group by 1, 2
)

select * from summarized
