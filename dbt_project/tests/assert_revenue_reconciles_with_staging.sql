-- Reported in Dagster as a check on fct_orders.
{{ config(meta={'dagster': {'ref': {'name': 'fct_orders'}}}) }}

-- Per tenant, the money in the facts is the money that landed. Staging is the raw rows minus
-- the quarantined ones (decision 0012); the facts leave out only test orders (with their
-- lines and refunds) and tenants missing from the tenants file. Order totals, line amounts
-- after discounts and refunds must agree to less than one minor unit of the tenant's
-- currency. Returns one row per tenant and measure that does not. A partition run reconciles
-- the orders created in its window (its tenants and days, with the lookback; decision 0016).
{%- set window = partition_window() if execute else none %}

with

tenants as (
    select * from {{ ref('dim_tenants') }}
),

-- The staged rows of the run's tenants only (every tenant on full builds): PostgreSQL hashed
-- every tenant's 1.7 M staged order lines to reconcile one tenant's window (1.3 of 1.5 s at
-- the large size).
staged_orders as (
    select * from {{ ref('stg_shopify__orders') }}
    where {{ partition_window_tenants_predicate(window) }}
),

staged_order_lines as (
    select * from {{ ref('stg_shopify__order_lines') }}
    where {{ partition_window_tenants_predicate(window) }}
),

staged_refunds as (
    select * from {{ ref('stg_shopify__refunds') }}
    where {{ partition_window_tenants_predicate(window) }}
),

orders as (
    select * from {{ ref('fct_orders') }}
    where {{ partition_window_predicate(window, 'created_date') }}
),

order_lines as (
    select * from {{ ref('fct_order_lines') }}
    where {{ partition_window_predicate(window, 'created_date') }}
),

landed_orders as (
    select staged_orders.*
    from staged_orders
    inner join tenants
        on staged_orders.tenant_id = tenants.tenant_id
    where not staged_orders.is_test
        and {{ partition_window_local_predicate(
            window, 'staged_orders.created_at', 'tenants.timezone', 'staged_orders.tenant_id'
        ) }}
),

summed_landed as (
    select tenant_id, 'order_total_amount' as measure, sum(total_amount) as amount
    from landed_orders
    group by 1, 2
    union all
    select
        landed_orders.tenant_id,
        'order_line_amount' as measure,
        sum(staged_order_lines.original_amount - staged_order_lines.discount_amount) as amount
    from staged_order_lines
    inner join landed_orders
        on staged_order_lines.tenant_id = landed_orders.tenant_id
        and staged_order_lines.order_id = landed_orders.order_id
    group by 1, 2
    union all
    select
        landed_orders.tenant_id,
        'refunded_amount' as measure,
        sum(staged_refunds.amount) as amount
    from staged_refunds
    inner join landed_orders
        on staged_refunds.tenant_id = landed_orders.tenant_id
        and staged_refunds.order_id = landed_orders.order_id
    group by 1, 2
),

summed_facts as (
    select tenant_id, 'order_total_amount' as measure, sum(total_amount) as amount
    from orders
    group by 1, 2
    union all
    select tenant_id, 'order_line_amount' as measure, sum(line_amount) as amount
    from order_lines
    group by 1, 2
    union all
    select tenant_id, 'refunded_amount' as measure, sum(refunded_amount) as amount
    from orders
    group by 1, 2
),

compared as (
    select
        coalesce(summed_landed.tenant_id, summed_facts.tenant_id) as tenant_id,
        coalesce(summed_landed.measure, summed_facts.measure) as measure,
        coalesce(summed_landed.amount, 0) as landed_amount,
        coalesce(summed_facts.amount, 0) as facts_amount
    from summed_landed
    full outer join summed_facts
        on summed_landed.tenant_id = summed_facts.tenant_id
        and summed_landed.measure = summed_facts.measure
)

select compared.*
from compared
left join tenants
    on compared.tenant_id = tenants.tenant_id
where not (
    abs(compared.landed_amount - compared.facts_amount)
    < {{ currency_minor_unit('tenants.currency') }}
)
