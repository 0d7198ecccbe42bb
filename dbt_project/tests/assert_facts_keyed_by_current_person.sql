-- Reported in Dagster as a check on fct_orders.
{{ config(meta={'dagster': {'ref': {'name': 'fct_orders'}}}) }}

-- Every order is keyed by its record's current person (decision 0037). A partition run re-keys
-- only its window's orders: when a new record joins two existing persons, the later person's
-- older orders keep its old id until the tenant is rebuilt. Returns one row per such order.
-- A partition run checks its tenants' orders: it rewrote no other tenant's orders or persons
-- (every tenant's 5.7 M orders were 2.3 s of a one-tenant partition at the large size).
{%- set window = partition_window() if execute else none %}

with

orders as (
    select * from {{ ref('fct_orders') }}
    where {{ partition_window_tenants_predicate(window) }}
),

customer_identity as (
    select * from {{ ref('dim_customer_identity') }}
    where {{ partition_window_tenants_predicate(window) }}
),

stale_orders as (
    select
        orders.tenant_id,
        orders.order_id,
        orders.source_customer_id,
        orders.customer_id,
        customer_identity.person_id
    from orders
    inner join customer_identity
        on orders.tenant_id = customer_identity.tenant_id
        and orders.source_customer_id = customer_identity.customer_id
    where orders.customer_id <> customer_identity.person_id
)

select * from stale_orders
