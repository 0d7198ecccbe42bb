-- Identity resolution by RUT (issue 27, decision 0037): the values that tie a tenant's
-- customer records to one person, one row per record and matching key. A valid normalised RUT
-- always matches; a normalised e-mail or phone (their hashes) matches only when the records
-- that share it do not carry two different valid RUTs: two valid RUTs are two people, even
-- when they share a family e-mail or phone. Keys held by a single record tie nothing and are
-- left out.
-- Incremental, rebuilt per tenant like int_tenant_data_cutoffs (decision 0017): as a view, every
-- reader (dim_customer_identity and four data tests) computed it again, and for every
-- tenant, since PostgreSQL computes its CTEs read twice before a reader's tenant filter
-- applies: 114 of the 188 s of one tenant's partition run at the agency size went to the
-- identity resolution.
{{ config(materialized='incremental') }}

with

-- The columns the keys need, named: PostgreSQL computes every column of a CTE read more than
-- once. The records table holds the hashes and the RUT's verdict, computed once a record.
customers as (
    select tenant_id, customer_id, rut, is_rut_valid, email_sha256, phone_sha256
    from {{ ref('int_customer_records') }}
    where {{ in_partition_tenants() }}
),

-- Each candidate carries its record's valid RUT, so judging a key needs no second read of
-- the customers.
candidate_keys as (
    select
        tenant_id, customer_id, 'rut' as match_rule, 1 as rule_priority, rut as match_key,
        rut as valid_rut
    from customers
    where is_rut_valid
    union all
    select
        tenant_id, customer_id, 'email', 2, email_sha256,
        case when is_rut_valid then rut end
    from customers
    where email_sha256 is not null
    union all
    select
        tenant_id, customer_id, 'phone', 3, phone_sha256,
        case when is_rut_valid then rut end
    from customers
    where phone_sha256 is not null
),

keys_judged as (
    select
        tenant_id,
        match_rule,
        match_key,
        count(distinct customer_id) as records_count,
        count(distinct valid_rut) as valid_ruts_count
    from candidate_keys
    group by 1, 2, 3
),

usable_keys as (
    select
        candidate_keys.tenant_id,
        candidate_keys.customer_id,
        candidate_keys.match_rule,
        candidate_keys.rule_priority,
        candidate_keys.match_key
    from candidate_keys
    inner join keys_judged
        on candidate_keys.tenant_id = keys_judged.tenant_id
        and candidate_keys.match_rule = keys_judged.match_rule
        and candidate_keys.match_key = keys_judged.match_key
    where keys_judged.records_count > 1
        and (candidate_keys.match_rule = 'rut' or keys_judged.valid_ruts_count <= 1)
)

select * from usable_keys
