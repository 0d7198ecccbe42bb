-- RFM as of each tenant's data cut-off date (docs: kpi_rfm; macro rfm_ctes, which
-- mart_rfm_customers_as_of shares for any other date), with the customer's hashed
-- contacts for the activation syncs.
with

customer_orders as (
    select * from {{ ref('mart_customer_orders_daily') }}
    where {{ in_partition_tenants() }}
),

customers as (
    select * from {{ ref('dim_customers') }}
    where {{ in_partition_tenants() }}
),

cutoffs as (
    select * from {{ ref('int_tenant_data_cutoffs') }}
    where {{ in_partition_tenants() }}
),

rfm_segments as (
    select * from {{ ref('rfm_segments') }}
),

as_of_dates as (
    select tenant_id, data_cutoff_date as as_of_date
    from cutoffs
),

{{ rfm_ctes('customer_orders', 'customers', 'rfm_segments', 'as_of_dates') }},

contacts_hashed as (
    select
        rfm_segmented.*,
        customers.email_sha256,
        customers.phone_sha256
    from rfm_segmented
    inner join customers
        on rfm_segmented.tenant_id = customers.tenant_id
        and rfm_segmented.customer_id = customers.customer_id
)

select * from contacts_hashed
