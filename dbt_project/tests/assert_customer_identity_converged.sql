-- Reported in Dagster as a check on dim_customer_identity.
{{ config(meta={'dagster': {'ref': {'name': 'dim_customer_identity'}}}) }}

-- Every key two records share puts them in one person (decision 0037): a key whose records
-- ended with different persons is a chain longer than the propagation's passes (raise the var
-- identity_resolution_passes). Returns one row per such key. A partition run checks its
-- tenants, the only ones whose persons it resolved again.
{%- set window = partition_window() if execute else none %}

with

identity_keys as (
    select * from {{ ref('int_customer_identity_keys') }}
    where {{ partition_window_tenants_predicate(window) }}
),

customer_identity as (
    select * from {{ ref('dim_customer_identity') }}
    where {{ partition_window_tenants_predicate(window) }}
),

split_keys as (
    select
        identity_keys.tenant_id,
        identity_keys.match_rule,
        identity_keys.match_key,
        count(distinct customer_identity.person_id) as persons_count
    from identity_keys
    inner join customer_identity
        on identity_keys.tenant_id = customer_identity.tenant_id
        and identity_keys.customer_id = customer_identity.customer_id
    group by 1, 2, 3
    having count(distinct customer_identity.person_id) > 1
)

select * from split_keys
