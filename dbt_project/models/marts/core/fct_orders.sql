{#- PostgreSQL: besides the (tenant, date) index every mart gets, one for a customer's orders
    (the customer page and its life line); postgres_only_indexes. -#}
{{ config(
    partition_date_column='created_date',
    indexes=postgres_only_indexes(['tenant_id', 'customer_id']),
) }}

with

orders as (
    select * from {{ ref('stg_shopify__orders') }}
    -- Incremental runs: the window's orders before the joins (exact local dates at the end).
    where {{ in_partition_window_utc('created_at') }}
),

tenants as (
    select * from {{ ref('dim_tenants') }}
),

customer_identity as (
    select * from {{ ref('dim_customer_identity') }}
),

payments as (
    select * from {{ ref('int_orders_payments_summarized') }}
),

refunds as (
    select * from {{ ref('int_orders_refunds_summarized') }}
),

fulfillments as (
    select * from {{ ref('int_orders_fulfillments_summarized') }}
),

touchpoints as (
    select * from {{ ref('int_touchpoints_channel_mapped') }}
    where touchpoint_type = 'order_landing'
),

addresses as (
    select * from {{ ref('int_addresses_placed') }}
    where address_type = 'order_shipping'
),

joined as (
    select
        orders.tenant_id,
        orders.order_id,
        orders.order_name,
        -- The person (decision 0037): a guest checkout of a known customer counts as theirs.
        coalesce(customer_identity.person_id, orders.customer_id) as customer_id,
        orders.customer_id as source_customer_id,
        orders.email_sha256,
        tenants.timezone,
        orders.created_at,
        payments.paid_at,
        orders.cancelled_at,
        -- A cancelled order's service never counts as completed.
        case when orders.cancelled_at is null then fulfillments.completed_at end as completed_at,
        orders.currency,
        orders.total_amount,
        orders.subtotal_amount,
        orders.discount_amount,
        orders.shipping_amount,
        orders.tax_amount,
        orders.are_taxes_included,
        coalesce(refunds.refunded_amount, 0) as refunded_amount,
        orders.financial_status,
        payments.payment_gateway,
        payments.payment_method,
        touchpoints.channel_group,
        touchpoints.utm_source,
        touchpoints.utm_medium,
        touchpoints.utm_campaign,
        coalesce(addresses.comuna, 'Sin comuna') as comuna,
        addresses.region_code,
        coalesce(addresses.region_name, 'Sin región') as region_name,
        orders.rating
    from orders
    inner join tenants
        on orders.tenant_id = tenants.tenant_id
    left join customer_identity
        on orders.tenant_id = customer_identity.tenant_id
        and orders.customer_id = customer_identity.customer_id
    left join payments
        on orders.tenant_id = payments.tenant_id
        and orders.order_id = payments.order_id
    left join refunds
        on orders.tenant_id = refunds.tenant_id
        and orders.order_id = refunds.order_id
    left join fulfillments
        on orders.tenant_id = fulfillments.tenant_id
        and orders.order_id = fulfillments.order_id
    left join touchpoints
        on orders.tenant_id = touchpoints.tenant_id
        and orders.order_id = touchpoints.touchpoint_id
    left join addresses
        on orders.tenant_id = addresses.tenant_id
        and orders.order_id = addresses.owner_id
    -- KPIS.md: test orders are excluded everywhere.
    where not orders.is_test
),

final as (
    select
        joined.*,
        joined.paid_at is not null as is_paid,
        joined.cancelled_at is not null as is_cancelled,
        joined.paid_at is not null and joined.cancelled_at is null as is_valid,
        joined.completed_at is not null as is_completed,
        joined.total_amount - joined.refunded_amount as net_amount,
        {{ to_local_date('joined.created_at', 'joined.timezone') }} as created_date,
        {{ local_hour('joined.created_at', 'joined.timezone') }} as created_hour,
        {{ to_local_date('joined.completed_at', 'joined.timezone') }} as completed_date,
        cast({{ dbt.datediff('joined.paid_at', 'joined.completed_at', 'second') }} as {{ type_double() }})
            / 3600
            as service_cycle_hours
    from joined
)

select * from final
where {{ in_partition_window('created_date') }}
