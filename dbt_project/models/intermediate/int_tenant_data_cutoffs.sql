{{ config(materialized='incremental') }}

-- The data's cut-off per tenant: the newest order or checkout change landed.
-- KPIs that depend on "now" (the abandonment window, RFM recency) use it, so
-- they are reproducible from the data rather than from the wall clock.
with

orders as (
    select * from {{ ref('stg_shopify__orders') }}
    where {{ in_partition_tenants() }}
),

checkouts as (
    select * from {{ ref('stg_shopify__checkouts') }}
    where {{ in_partition_tenants() }}
),

tenants as (
    select * from {{ ref('dim_tenants') }}
),

latest_changes as (
    -- Test orders never count, not even for the cut-off.
    select tenant_id, max(updated_at) as latest_at from orders where not is_test group by 1
    union all
    select tenant_id, max(coalesce(updated_at, created_at)) as latest_at from checkouts group by 1
),

cutoffs as (
    select
        latest_changes.tenant_id,
        max(latest_changes.latest_at) as data_cutoff_at
    from latest_changes
    group by 1
)

select
    cutoffs.tenant_id,
    cutoffs.data_cutoff_at,
    {{ to_local_date('cutoffs.data_cutoff_at', 'tenants.timezone') }} as data_cutoff_date
from cutoffs
inner join tenants
    on cutoffs.tenant_id = tenants.tenant_id
