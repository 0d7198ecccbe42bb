{#- Identity resolution by RUT (issue 27, decision 0037): one row per tenant and customer
    record, with the person it belongs to. Records that share a usable key
    (int_customer_identity_keys: a valid RUT; failing that, an e-mail or phone) are one person,
    and so, transitively, are chains of them (a-b by RUT, b-c by e-mail): the connected
    components of the records-keys graph, found by min-label propagation. Each record starts
    with its rank in the tenant (earliest created first); each pass gives every key the lowest
    label of its records and every record the lowest label of its keys, so one pass crosses
    one key. `identity_resolution_passes` passes resolve chains of that many links; the test
    assert_customer_identity_converged fails when a longer one is left split. Plain joins and
    aggregates in CTEs: no recursion, so it runs alike on DuckDB and PostgreSQL.
    A person's id is its earliest record's customer_id: a later guest record never moves it. -#}
{%- set passes = var('identity_resolution_passes') | int %}

{#- The columns used, named: a materialized step computes every column it selects. -#}
{%- set customers -%}
    select tenant_id, customer_id, created_at
    from {{ ref('int_customer_records') }}
    where {{ in_partition_tenants() }}
{%- endset %}

{%- set identity_keys -%}
    select * from {{ ref('int_customer_identity_keys') }}
    where {{ in_partition_tenants() }}
{%- endset %}

{%- set labels_0 -%}
    select
        customers.tenant_id,
        customers.customer_id,
        row_number() over (
            partition by customers.tenant_id
            order by customers.created_at, customers.customer_id
        ) as person_rank
    from customers
{%- endset %}

with

{{ materialized_step('customers', customers, hint=false) }}

{{ materialized_step('identity_keys', identity_keys, hint=false) }}

-- Each pass reads the previous one twice: it is computed once (materialized_step), or the
-- work would double at every pass.
{{ materialized_step('labels_0', labels_0) }}
{%- for pass in range(1, passes + 1) %}

{%- set key_labels -%}
    select
        identity_keys.tenant_id,
        identity_keys.match_rule,
        identity_keys.match_key,
        min(labels.person_rank) as person_rank
    from identity_keys
    inner join labels_{{ pass - 1 }} as labels
        on identity_keys.tenant_id = labels.tenant_id
        and identity_keys.customer_id = labels.customer_id
    group by 1, 2, 3
{%- endset %}

{%- set labels -%}
    select
        labels.tenant_id,
        labels.customer_id,
        -- A record's keys include its own label, so the lowest of them is never higher.
        coalesce(min(key_labels.person_rank), labels.person_rank) as person_rank
    from labels_{{ pass - 1 }} as labels
    left join identity_keys
        on labels.tenant_id = identity_keys.tenant_id
        and labels.customer_id = identity_keys.customer_id
    left join key_labels_{{ pass }} as key_labels
        on identity_keys.tenant_id = key_labels.tenant_id
        and identity_keys.match_rule = key_labels.match_rule
        and identity_keys.match_key = key_labels.match_key
    group by labels.tenant_id, labels.customer_id, labels.person_rank
{%- endset %}

{{ materialized_step('key_labels_' ~ pass, key_labels) }}

{{ materialized_step('labels_' ~ pass, labels) }}
{%- endfor %}

-- The strongest key a record shares: every usable key is shared, and once converged the
-- records sharing a key are one person.
strongest_rules as (
    select
        identity_keys.tenant_id,
        identity_keys.customer_id,
        min(identity_keys.rule_priority) as rule_priority
    from identity_keys
    group by 1, 2
),

resolved as (
    select
        labels.tenant_id,
        labels.customer_id,
        canonical.customer_id as person_id,
        case
            when canonical.customer_id = labels.customer_id then 'self'
            when strongest_rules.rule_priority = 1 then 'rut'
            when strongest_rules.rule_priority = 2 then 'email'
            else 'phone'
        end as match_rule
    from labels_{{ passes }} as labels
    inner join labels_0 as canonical
        on labels.tenant_id = canonical.tenant_id
        and labels.person_rank = canonical.person_rank
    left join strongest_rules
        on labels.tenant_id = strongest_rules.tenant_id
        and labels.customer_id = strongest_rules.customer_id
),

final as (
    select
        resolved.tenant_id,
        resolved.customer_id,
        resolved.person_id,
        resolved.match_rule,
        resolved.person_id <> resolved.customer_id as is_merged,
        count(*) over (partition by resolved.tenant_id, resolved.person_id) as person_records_count
    from resolved
)

select * from final
