{{
    config(
        materialized='incremental',
        incremental_strategy='partition_tenants',
        on_schema_change='sync_all_columns',
    )
}}
{#- Rebuilt per tenant (decision 0017): a partition run recomputes its tenants' whole
    history and replaces their rows; a full build, every tenant's. -#}
-- RFM as of the data's cut-off date (KPIS.md, Segmentación): recency,
-- frequency and monetary value per customer with a valid order, quintile
-- scores with deterministic tie-breaks, and the Spanish segment from the
-- editable rfm_segments seed.
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

values_per_customer as (
    select
        customer_orders.tenant_id,
        customer_orders.customer_id,
        cutoffs.data_cutoff_date as as_of_date,
        {{ dbt.datediff('max(customer_orders.created_date)', 'cutoffs.data_cutoff_date', 'day') }}
            as recency_days,
        sum(customer_orders.valid_orders) as frequency,
        sum(customer_orders.valid_orders_net_amount) as monetary
    from customer_orders
    inner join cutoffs
        on customer_orders.tenant_id = cutoffs.tenant_id
    where customer_orders.created_date <= cutoffs.data_cutoff_date
    group by 1, 2, 3
),

scored as (
    select
        values_per_customer.*,
        ntile(5) over (
            partition by tenant_id order by recency_days desc, customer_id
        ) as r_score,
        ntile(5) over (partition by tenant_id order by frequency, customer_id) as f_score,
        ntile(5) over (partition by tenant_id order by monetary, customer_id) as m_score
    from values_per_customer
)

select
    scored.tenant_id,
    scored.customer_id,
    customers.email_sha256,
    customers.phone_sha256,
    scored.as_of_date,
    scored.recency_days,
    scored.frequency,
    scored.monetary,
    scored.r_score,
    scored.f_score,
    scored.m_score,
    rfm_segments.segment
from scored
inner join customers
    on scored.tenant_id = customers.tenant_id
    and scored.customer_id = customers.customer_id
left join rfm_segments
    on scored.r_score = rfm_segments.r_score
    and scored.f_score = rfm_segments.f_score
