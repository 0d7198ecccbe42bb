-- Reported in Dagster as a check on fct_orders.
{{ config(meta={'dagster': {'ref': {'name': 'fct_orders'}}}) }}

-- Per tenant, every staged Shopify row reaches its fact once (customers, orders, order lines,
-- checkouts). Staging has already left out the quarantined rows (decision 0012); the facts
-- leave out only test orders with their lines and the checkouts that became them, lines whose
-- order is not staged (they leave with a quarantined order), and tenants missing from the
-- tenants file. Returns one row per tenant and table whose counts differ. A partition run counts
-- the rows of its window (its tenants; customers, orders and checkouts created in its days with
-- the lookback, and those orders' lines; decision 0016).
{%- set window = partition_window() if execute else none %}

with

tenants as (
    select * from {{ ref('dim_tenants') }}
),

-- The staged rows of the run's tenants only (every tenant on full builds). staged_orders is
-- read twice: inlined, each read takes its own filters down to the orders' index instead of
-- PostgreSQL computing every tenant's staged orders first (4 of the 6.4 s of a one-tenant
-- partition at the large size).
staged_customers as (
    select * from {{ ref('stg_shopify__customers') }}
    where {{ partition_window_tenants_predicate(window) }}
),

staged_orders as {{ not_materialized() }} (
    select * from {{ ref('stg_shopify__orders') }}
    where {{ partition_window_tenants_predicate(window) }}
),

staged_order_lines as (
    select * from {{ ref('stg_shopify__order_lines') }}
    where {{ partition_window_tenants_predicate(window) }}
),

staged_checkouts as (
    select * from {{ ref('stg_shopify__checkouts') }}
    where {{ partition_window_tenants_predicate(window) }}
),

-- dim_customers has one row per person (decision 0037): a staged record merged into an
-- earlier record's person is that person's row.
customer_identity as (
    select * from {{ ref('dim_customer_identity') }}
),

customers as (
    select * from {{ ref('dim_customers') }}
    where {{ partition_window_predicate(window, 'signup_date') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
    where {{ partition_window_predicate(window, 'created_date') }}
),

order_lines as (
    select * from {{ ref('fct_order_lines') }}
    where {{ partition_window_predicate(window, 'created_date') }}
),

checkouts as (
    select * from {{ ref('fct_checkouts') }}
    where {{ partition_window_predicate(window, 'created_date') }}
),

landed_orders as (
    select staged_orders.*
    from staged_orders
    inner join tenants
        on staged_orders.tenant_id = tenants.tenant_id
    where {{ partition_window_local_predicate(
            window, 'staged_orders.created_at', 'tenants.timezone', 'staged_orders.tenant_id'
        ) }}
),

-- Whether a checkout became a test order, whenever that order was created.
test_orders as (
    select tenant_id, order_id
    from staged_orders
    where is_test
),

counted_landed as (
    select staged_customers.tenant_id, 'customers' as table_name, count(*) as row_count
    from staged_customers
    inner join tenants
        on staged_customers.tenant_id = tenants.tenant_id
    left join customer_identity
        on staged_customers.tenant_id = customer_identity.tenant_id
        and staged_customers.customer_id = customer_identity.customer_id
    where not coalesce(customer_identity.is_merged, false)
        and {{ partition_window_local_predicate(
            window, 'staged_customers.created_at', 'tenants.timezone', 'staged_customers.tenant_id'
        ) }}
    group by 1, 2
    union all
    select tenant_id, 'orders' as table_name, count(*) as row_count
    from landed_orders
    where not is_test
    group by 1, 2
    union all
    select staged_order_lines.tenant_id, 'order_lines' as table_name, count(*) as row_count
    from staged_order_lines
    inner join landed_orders
        on staged_order_lines.tenant_id = landed_orders.tenant_id
        and staged_order_lines.order_id = landed_orders.order_id
    where not landed_orders.is_test
    group by 1, 2
    union all
    select staged_checkouts.tenant_id, 'checkouts' as table_name, count(*) as row_count
    from staged_checkouts
    inner join tenants
        on staged_checkouts.tenant_id = tenants.tenant_id
    left join test_orders
        on staged_checkouts.tenant_id = test_orders.tenant_id
        and staged_checkouts.order_id = test_orders.order_id
    where test_orders.order_id is null
        and {{ partition_window_local_predicate(
            window, 'staged_checkouts.created_at', 'tenants.timezone', 'staged_checkouts.tenant_id'
        ) }}
    group by 1, 2
),

counted_facts as (
    select tenant_id, 'customers' as table_name, count(*) as row_count from customers group by 1, 2
    union all
    select tenant_id, 'orders' as table_name, count(*) as row_count from orders group by 1, 2
    union all
    select tenant_id, 'order_lines' as table_name, count(*) as row_count from order_lines group by 1, 2
    union all
    select tenant_id, 'checkouts' as table_name, count(*) as row_count from checkouts group by 1, 2
)

select
    coalesce(counted_landed.tenant_id, counted_facts.tenant_id) as tenant_id,
    coalesce(counted_landed.table_name, counted_facts.table_name) as table_name,
    coalesce(counted_landed.row_count, 0) as landed_rows,
    coalesce(counted_facts.row_count, 0) as facts_rows
from counted_landed
full outer join counted_facts
    on counted_landed.tenant_id = counted_facts.tenant_id
    and counted_landed.table_name = counted_facts.table_name
where coalesce(counted_landed.row_count, 0) <> coalesce(counted_facts.row_count, 0)
