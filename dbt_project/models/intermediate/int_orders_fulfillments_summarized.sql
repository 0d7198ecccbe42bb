{#- A table, not a view: fct_orders and this model's data tests read it; as a view each of
    them ranked every fulfillment again (decision 0016). -#}
{{ config(materialized='table') }}

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
