{{
    config(
        incremental_strategy='window_merge',
        unique_key=['tenant_id', 'customer_id'],
        pre_hook="{{ hash_joins_only() }}",
    )
}}
{#- One row per person (decision 0037): the attributes of the earliest of the person's
    records (dim_customer_identity), the orders of all of them. An entity, not events: an
    incremental run merges (upserts by key) the persons of the window's tenants with a record
    that changed, signed up or ordered inside the window. It picks them first and enriches only
    them: a person's row depends on nothing but its records, touchpoints, orders and address. -#}
-- depends_on: {{ ref('stg_shopify__customers') }}
{%- set window = partition_window() if is_incremental() else none %}

with

-- Each source is cut to the run's tenants first (every row on full builds): PostgreSQL then
-- computes the staging views for those tenants only, not for every store before the join with
-- the window's persons (decision 0043). The records come hashed and judged from their table,
-- whose columns are the ones this model reads.
customers as (
    select * from {{ ref('int_customer_records') }}
    where {{ in_partition_tenants() }}
),

tenants as (
    select * from {{ ref('dim_tenants') }}
),

orders as (
    select * from {{ ref('stg_shopify__orders') }}
    where {{ in_partition_tenants() }}
),

-- Read twice (signups, first orders): inlined, so that each read takes its own touchpoint type
-- instead of PostgreSQL first gathering every touchpoint of the tenants.
touchpoints as {{ not_materialized() }} (
    select * from {{ ref('int_touchpoints_channel_mapped') }}
    where {{ in_partition_tenants() }}
),

addresses as (
    select * from {{ ref('int_addresses_placed') }}
    where address_type = 'customer_default'
        and {{ in_partition_tenants() }}
),

customer_identity as (
    select * from {{ ref('dim_customer_identity') }}
    where {{ in_partition_tenants() }}
),
{%- if window is not none %}

persons_in_window as (
    {{ window_persons(window) }}
),
{%- endif %}

-- A person's row describes its canonical record (its own person_id; a record the mapping
-- does not know is its own person).
scoped_customers as (
    select
        customers.*,
        coalesce(customer_identity.person_records_count, 1) as person_records_count
    from customers
    left join customer_identity
        on customers.tenant_id = customer_identity.tenant_id
        and customers.customer_id = customer_identity.customer_id
    {%- if window is not none %}
    inner join persons_in_window
        on customers.tenant_id = persons_in_window.tenant_id
        and customers.customer_id = persons_in_window.person_id
    {%- endif %}
    where coalesce(customer_identity.person_id, customers.customer_id) = customers.customer_id
),

-- Orders keyed by their person, so a guest checkout can be the person's first order.
scoped_orders as (
    select
        orders.tenant_id,
        coalesce(customer_identity.person_id, orders.customer_id) as customer_id,
        orders.order_id,
        orders.created_at,
        orders.is_test
    from orders
    left join customer_identity
        on orders.tenant_id = customer_identity.tenant_id
        and orders.customer_id = customer_identity.customer_id
    {%- if window is not none %}
    inner join persons_in_window
        on orders.tenant_id = persons_in_window.tenant_id
        and coalesce(customer_identity.person_id, orders.customer_id) = persons_in_window.person_id
    {%- endif %}
),

ranked_orders as (
    select
        orders.tenant_id,
        orders.customer_id,
        orders.order_id,
        row_number() over (
            partition by orders.tenant_id, orders.customer_id
            order by orders.created_at, orders.order_id
        ) as order_rank
    from scoped_orders as orders
    where orders.customer_id is not null
        and not orders.is_test
),

first_order_channels as (
    select
        ranked_orders.tenant_id,
        ranked_orders.customer_id,
        touchpoints.channel_group,
        touchpoints.utm_campaign
    from ranked_orders
    inner join touchpoints
        on ranked_orders.tenant_id = touchpoints.tenant_id
        and ranked_orders.order_id = touchpoints.touchpoint_id
        and touchpoints.touchpoint_type = 'order_landing'
    where ranked_orders.order_rank = 1
),

enriched as (
    select
        customers.tenant_id,
        customers.customer_id,
        customers.email_sha256,
        customers.phone_sha256,
        customers.first_name,
        customers.last_name,
        customers.account_state,
        customers.is_email_verified,
        {{ is_onboarded('customers.account_state', 'customers.is_email_verified') }} as is_onboarded,
        customers.email_marketing_state,
        customers.sms_marketing_state,
        customers.rut,
        customers.rut is not null as has_rut,
        customers.is_rut_valid,
        customers.person_records_count as source_customers_count,
        -- First touch: the signup's UTMs when the store kept them, else the first order's landing.
        case
            when signup_touchpoints.has_touchpoint_data then signup_touchpoints.channel_group
            else coalesce(first_order_channels.channel_group, 'Directo')
        end as acquisition_channel,
        -- The UTM campaign of the same touchpoint (the campaign marts' new customers).
        case
            when signup_touchpoints.has_touchpoint_data then signup_touchpoints.utm_campaign
            else first_order_channels.utm_campaign
        end as acquisition_utm_campaign,
        coalesce(addresses.comuna, 'Sin comuna') as comuna,
        addresses.region_code,
        coalesce(addresses.region_name, 'Sin región') as region_name,
        customers.created_at as signup_at,
        {{ to_local_date('customers.created_at', 'tenants.timezone') }} as signup_date,
        customers.updated_at,
        {{ to_local_date('customers.updated_at', 'tenants.timezone') }} as updated_date
    from scoped_customers as customers
    inner join tenants
        on customers.tenant_id = tenants.tenant_id
    left join touchpoints as signup_touchpoints
        on customers.tenant_id = signup_touchpoints.tenant_id
        and customers.customer_id = signup_touchpoints.touchpoint_id
        and signup_touchpoints.touchpoint_type = 'customer_signup'
    left join first_order_channels
        on customers.tenant_id = first_order_channels.tenant_id
        and customers.customer_id = first_order_channels.customer_id
    left join addresses
        on customers.tenant_id = addresses.tenant_id
        and customers.customer_id = addresses.owner_id
),

final as (
    select * from enriched
)

select * from final
