-- Página "Clientes", card "Clientes unificados por RUT" (doc block kpi_customer_identity): what
-- identity resolution changes, per local day, as counts to sum up to any date. Customer
-- records created that day and those of them merged into an earlier record's person (per
-- rule); buyers and repeat buyers counted twice, per record (source_customer_id: the store's
-- view, a guest checkout is a new buyer) and per person (customer_id: the platform's view),
-- each on the day of the first / second valid order (creation time, then order id).
with

customer_identity as (
    select * from {{ ref('dim_customer_identity') }}
    where {{ in_partition_tenants() }}
),

customers as (
    select * from {{ ref('stg_shopify__customers') }}
    where {{ in_partition_tenants() }}
),

tenants as (
    select * from {{ ref('dim_tenants') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
    where {{ in_partition_tenants() }}
),

record_steps as (
    select
        customer_identity.tenant_id,
        {{ to_local_date('customers.created_at', 'tenants.timezone') }} as activity_date,
        1 as customer_records,
        case when customer_identity.is_merged then 1 else 0 end as merged_records,
        case when customer_identity.match_rule = 'rut' then 1 else 0 end as rut_merged_records,
        case when customer_identity.match_rule = 'email' then 1 else 0 end as email_merged_records,
        case when customer_identity.match_rule = 'phone' then 1 else 0 end as phone_merged_records,
        0 as record_buyers,
        0 as record_repeat_buyers,
        0 as person_buyers,
        0 as person_repeat_buyers
    from customer_identity
    inner join customers
        on customer_identity.tenant_id = customers.tenant_id
        and customer_identity.customer_id = customers.customer_id
    inner join tenants
        on customer_identity.tenant_id = tenants.tenant_id
),

valid_orders_numbered as (
    select
        orders.tenant_id,
        orders.created_date,
        row_number() over (
            partition by orders.tenant_id, orders.source_customer_id
            order by orders.created_at, orders.order_id
        ) as record_order_number,
        row_number() over (
            partition by orders.tenant_id, orders.customer_id
            order by orders.created_at, orders.order_id
        ) as person_order_number
    from orders
    where orders.is_valid
        and orders.customer_id is not null
),

order_steps as (
    select
        valid_orders_numbered.tenant_id,
        valid_orders_numbered.created_date as activity_date,
        0 as customer_records,
        0 as merged_records,
        0 as rut_merged_records,
        0 as email_merged_records,
        0 as phone_merged_records,
        case when record_order_number = 1 then 1 else 0 end as record_buyers,
        case when record_order_number = 2 then 1 else 0 end as record_repeat_buyers,
        case when person_order_number = 1 then 1 else 0 end as person_buyers,
        case when person_order_number = 2 then 1 else 0 end as person_repeat_buyers
    from valid_orders_numbered
    where valid_orders_numbered.record_order_number <= 2
        or valid_orders_numbered.person_order_number <= 2
),

steps as (
    select * from record_steps
    union all
    select * from order_steps
),

aggregated as (
    select
        steps.tenant_id,
        steps.activity_date,
        sum(steps.customer_records) as customer_records,
        sum(steps.merged_records) as merged_records,
        sum(steps.rut_merged_records) as rut_merged_records,
        sum(steps.email_merged_records) as email_merged_records,
        sum(steps.phone_merged_records) as phone_merged_records,
        sum(steps.record_buyers) as record_buyers,
        sum(steps.record_repeat_buyers) as record_repeat_buyers,
        sum(steps.person_buyers) as person_buyers,
        sum(steps.person_repeat_buyers) as person_repeat_buyers
    from steps
    group by 1, 2
)

select * from aggregated
