{{ config(materialized='table') }}
{#- Rebuilt whole on every run: the quarantine holds only the rows that broke a contract, so
    it is small, and an entry resolved by one tenant's landing must leave every view of it. -#}
-- What the landing's contract checks hold back (ops.quarantine, written by Python, decision
-- 0012), per tenant and landed stream, next to what staging reads of that stream. A row may
-- break several rules (one entry each): rows are counted once. Streams that landed and were
-- never quarantined are here with zeros, so the page lists every table it watches.

with

entries as (
    select * from {{ source_or_empty('quarantine', 'quarantine') }}
),

labelled as (
    -- Rule ids are `<kind>` or `<kind>:<column>` (cerebro/landing/contracts/rules.py).
    select
        entries.*,
        case split_part(rule, ':', 1)
            when 'not_null' then 'falta un valor obligatorio'
            when 'unique_key' then 'clave repetida'
            when 'non_negative' then 'número negativo o ilegible'
            when 'positive' then 'número cero, negativo o ilegible'
            when 'accepted_values' then 'valor desconocido'
            when 'timestamp_range' then 'fecha ilegible o fuera de rango'
            when 'references' then 'referencia a un registro inexistente'
            else rule
        end
        || case
            when split_part(rule, ':', 2) <> '' then ' (' || split_part(rule, ':', 2) || ')'
            else ''
        end as rule_label
    from entries
),

staged as (
    select tenant_id, source_name, stream_name, cast(sum(rows_landed) as bigint) as rows_staged
    from {{ ref('mart_landing_daily') }}
    group by tenant_id, source_name, stream_name
),

per_stream as (
    select
        tenant_id,
        source_name,
        stream_name,
        count(distinct case when resolved_at is null then record_key end) as open_rows,
        count(case when resolved_at is null then 1 end) as open_entries,
        count(resolved_at) as resolved_entries,
        min(case when resolved_at is null then first_seen_at end) as oldest_open_since,
        max(last_seen_at) as last_detected_at
    from labelled
    group by tenant_id, source_name, stream_name
),

open_rules as (
    select
        tenant_id,
        source_name,
        stream_name,
        {{ dbt.listagg('rule_label', "', '", 'order by rule_label') }} as open_rules
    from (
        select distinct tenant_id, source_name, stream_name, rule_label
        from labelled
        where resolved_at is null
    ) as distinct_rules
    group by tenant_id, source_name, stream_name
),

oldest_open_entry as (
    -- What the page shows as an example: the entry held back the longest.
    select tenant_id, source_name, stream_name, record_key, reason
    from (
        select
            labelled.*,
            row_number() over (
                partition by tenant_id, source_name, stream_name
                order by first_seen_at, record_key, rule
            ) as position
        from labelled
        where resolved_at is null
    ) as ranked
    where position = 1
),

streams as (
    select
        coalesce(staged.tenant_id, per_stream.tenant_id) as tenant_id,
        coalesce(staged.source_name, per_stream.source_name) as source_name,
        coalesce(staged.stream_name, per_stream.stream_name) as stream_name,
        coalesce(staged.rows_staged, 0) as rows_staged,
        coalesce(per_stream.open_rows, 0) as open_rows,
        coalesce(per_stream.open_entries, 0) as open_entries,
        coalesce(per_stream.resolved_entries, 0) as resolved_entries,
        per_stream.oldest_open_since,
        per_stream.last_detected_at
    from staged
    full outer join per_stream
        on staged.tenant_id = per_stream.tenant_id
        and staged.source_name = per_stream.source_name
        and staged.stream_name = per_stream.stream_name
)

select
    streams.tenant_id,
    streams.source_name,
    streams.stream_name,
    streams.rows_staged,
    streams.open_rows,
    {{ safe_divide('streams.open_rows', 'streams.rows_staged + streams.open_rows') }}
        as open_share,
    streams.open_entries,
    streams.resolved_entries,
    open_rules.open_rules,
    streams.oldest_open_since,
    streams.last_detected_at,
    oldest_open_entry.record_key as example_record_key,
    oldest_open_entry.reason as example_reason
from streams
left join open_rules
    on streams.tenant_id = open_rules.tenant_id
    and streams.source_name = open_rules.source_name
    and streams.stream_name = open_rules.stream_name
left join oldest_open_entry
    on streams.tenant_id = oldest_open_entry.tenant_id
    and streams.source_name = oldest_open_entry.source_name
    and streams.stream_name = oldest_open_entry.stream_name
