{{ config(partition_date_column='created_date') }}

with

checkouts as (
    select * from {{ ref('stg_shopify__checkouts') }}
    -- Incremental runs: the window's checkouts before the joins (exact local dates at the end).
    where {{ in_partition_window_utc('created_at') }}
),

tenants as (
    select * from {{ ref('dim_tenants') }}
),

orders as (
    select * from {{ ref('stg_shopify__orders') }}
),

customer_identity as (
    select * from {{ ref('dim_customer_identity') }}
),

enriched as (
    select
        checkouts.tenant_id,
        checkouts.checkout_id,
        -- The person (decision 0037), as fct_orders.
        coalesce(customer_identity.person_id, checkouts.customer_id) as customer_id,
        checkouts.customer_id as source_customer_id,
        checkouts.order_id,
        checkouts.created_at,
        {{ to_local_date('checkouts.created_at', 'tenants.timezone') }} as created_date,
        checkouts.completed_at,
        checkouts.completed_at is not null as is_completed,
        cast({{ dbt.datediff('checkouts.created_at', 'checkouts.completed_at', 'second') }} as {{ type_double() }})
            / 3600
            as hours_to_complete,
        checkouts.items_count,
        checkouts.total_amount,
        checkouts.currency
    from checkouts
    inner join tenants
        on checkouts.tenant_id = tenants.tenant_id
    left join customer_identity
        on checkouts.tenant_id = customer_identity.tenant_id
        and checkouts.customer_id = customer_identity.customer_id
    left join orders
        on checkouts.tenant_id = orders.tenant_id
        and checkouts.order_id = orders.order_id
    -- A checkout that became a test order is test traffic: out, like test orders.
    where not coalesce(orders.is_test, false)
)

select * from enriched
where {{ in_partition_window('created_date') }}
