-- The contact sheet behind the customer lists a marketer exports (Segmentación y Marketing,
-- Clientes, `cerebro segment export`) and activation syncs: the one mart with e-mail and phone in clear
-- (docs/decisions/0014). Every other model carries email_sha256 / phone_sha256, which join
-- here on (tenant_id, customer_id) or match ad-platform audiences as they are.
with

customers as (
    select * from {{ ref('dim_customers') }}
    where {{ in_partition_tenants() }}
),

staged_customers as (
    select * from {{ ref('stg_shopify__customers') }}
    where {{ in_partition_tenants() }}
),

contacts as (
    select
        customers.tenant_id,
        customers.customer_id,
        customers.first_name,
        customers.last_name,
        staged_customers.email,
        staged_customers.phone,
        customers.email_sha256,
        customers.phone_sha256,
        customers.is_email_verified,
        customers.email_marketing_state,
        customers.sms_marketing_state,
        -- Consent to reach the customer on a channel (issue 24): the channel's state is
        -- SUBSCRIBED and there is an address to reach. PENDING is a double opt-in not yet
        -- confirmed: no consent. Activation and `cerebro segment export` read these two.
        coalesce(
            staged_customers.email is not null and customers.email_marketing_state = 'SUBSCRIBED',
            false
        ) as has_email_marketing_consent,
        coalesce(
            staged_customers.phone is not null and customers.sms_marketing_state = 'SUBSCRIBED',
            false
        ) as has_sms_marketing_consent
    from customers
    inner join staged_customers
        on customers.tenant_id = staged_customers.tenant_id
        and customers.customer_id = staged_customers.customer_id
)

select * from contacts
