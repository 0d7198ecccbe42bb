{{
    config(
        materialized='incremental',
        partition_date_column='partition_date',
        unique_key=['tenant_id', 'customer_id'],
    )
}}
{#- Every Shopify customer record with the columns the whole-tenant customer models read
    (the identity resolution and dim_customers), kept in a table. Those models read every
    record of their tenants in each partition run, and the staging view computes the e-mail
    and phone hashes and the RUT's normalisation and check for every row it returns: about
    30 µs a record, 2.5 s for each reader at 90 000 records on PostgreSQL. Here a partition run
    computes them for the records created or changed in its window only, dated by their last
    change like int_addresses_placed's customers, and replaces those rows by key; a full build
    computes them once. A record's columns depend on nothing but its own row. -#}
{%- set window = partition_window() if is_incremental() else none %}

with

records as (
    select
        customers.tenant_id,
        customers.customer_id,
        customers.email_sha256,
        customers.phone_sha256,
        customers.first_name,
        customers.last_name,
        customers.account_state,
        customers.is_email_verified,
        customers.email_marketing_state,
        customers.sms_marketing_state,
        customers.rut,
        customers.is_rut_valid,
        customers.created_at,
        customers.updated_at,
        {{ to_local_date(
            'coalesce(customers.updated_at, customers.created_at)', 'tenants.timezone'
        ) }} as partition_date
    from {{ ref('stg_shopify__customers') }} as customers
    inner join {{ ref('dim_tenants') }} as tenants
        on customers.tenant_id = tenants.tenant_id
    -- The UTC range first, on the view's own columns: the warehouse applies it below the view,
    -- so the hashes are computed for the window's records only; then the exact local days.
    where (
            ({{ partition_window_utc_predicate(window, 'customers.created_at', 'customers.tenant_id') }})
            or ({{ partition_window_utc_predicate(window, 'customers.updated_at', 'customers.tenant_id') }})
        )
        and (
            ({{ partition_window_local_predicate(
                window, 'customers.created_at', 'tenants.timezone', 'customers.tenant_id'
            ) }})
            or ({{ partition_window_local_predicate(
                window, 'customers.updated_at', 'tenants.timezone', 'customers.tenant_id'
            ) }})
        )
)

select * from records
