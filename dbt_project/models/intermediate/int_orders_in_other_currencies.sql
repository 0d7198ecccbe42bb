{#- Stored, not a view: the staging models of an order's lines, payments and refunds join it
    on every read, and a store in its own currency gives it no row, so the join costs nothing
    there. Incremental per tenant (decision 0017): a tenant's run reads its own orders only. -#}
{{ config(materialized='incremental') }}

-- The orders placed in another currency than their tenant's, with the rate their lines,
-- payments and refunds convert at: the order's own, in force on its local day of creation
-- (decision 0061). An order without a rate is here with none, so its children's amounts are
-- not converted either (stg_shopify__orders' has_exchange_rate test names it).
with

orders as (
    select * from {{ ref('stg_shopify__orders') }}
    where {{ in_partition_tenants() }}
)

select
    tenant_id,
    order_id,
    currency,
    currency_original,
    exchange_rate
from orders
where exchange_rate is null or currency_original <> currency
