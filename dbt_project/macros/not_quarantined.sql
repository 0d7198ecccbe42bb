{#- The rows of a raw Singer table that staging may read: those with their whole primary key
    (declared in the source's `meta.primary_key`) and no open entry in the quarantine
    (ops.quarantine, written by the landing's contract checks). The record key is built as
    cerebro/landing/contracts/keys.py builds it: the key without tenant_id, each part cast to varchar,
    joined with '|'. The quarantine is read through source_or_empty, so a build before the
    first contract check keeps every row.

    A source table that declares its columns (with data_type) in its yml may be absent: no
    tenant lands that source (a store without Amazon or TikTok campaigns), or it was added
    after the last landing. It then reads as empty, through source_or_empty, instead of
    failing the build. Every Singer-landed table declares them
    (tests/dbt_project/quality/test_raw_source_columns.py); a table without must exist. -#}
{% macro not_quarantined(source_name, table_name) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- if execute and relation.schema is not none
            and graph.sources['source.' ~ project_name ~ '.' ~ source_name ~ '.' ~ table_name].columns
            and adapter.get_relation(
                database=relation.database, schema=relation.schema, identifier=relation.identifier
            ) is none -%}
        {#- Nothing landed: nothing to filter either. -#}
        {{ return(source_or_empty(source_name, table_name)) }}
    {%- endif -%}
    {%- set quarantine = source_or_empty('quarantine', 'quarantine') -%}
    {#- In a unit test the source is the test's fixture: its rows are the input as given. -#}
    {%- if not execute or relation.schema is none -%}
        {{ relation }}
    {%- else -%}
        {%- set node = graph.sources['source.' ~ project_name ~ '.' ~ source_name ~ '.' ~ table_name] -%}
        {%- set primary_key = node.meta.get('primary_key') or node.config.meta.get('primary_key') -%}
        {%- if not primary_key -%}
            {{ exceptions.raise_compiler_error(
                "source " ~ source_name ~ "." ~ table_name ~ " declares no config.meta.primary_key"
            ) }}
        {%- endif -%}
        {%- set record_key = [] -%}
        {%- for column in primary_key if column != 'tenant_id' -%}
            {%- do record_key.append('cast(raw_rows.' ~ column ~ ' as ' ~ dbt.type_string() ~ ')') -%}
        {%- endfor -%}
        (
            select raw_rows.*
            from {{ relation }} as raw_rows
            {#- An anti-join on the open entries, not `not exists (...)`: DuckDB decorrelates
                that subquery by first copying every raw row, whole, into a temporary result
                (6 s for 5.7 M orders at the large benchmark size, in every query reading the
                view); this plans as one hash join on the handful of open entries. #}
            left join (
                -- Wrapped: source_or_empty gives a table name or an aliased subquery.
                select entries.tenant_id, entries.record_key
                from (select * from {{ quarantine }}) as entries
                where entries.resolved_at is null
                    and entries.source_name = '{{ source_name }}'
                    and entries.stream_name = '{{ table_name }}'
            ) as open_entries
                on open_entries.tenant_id = raw_rows.tenant_id
                and open_entries.record_key = {{ record_key | join(" || '|' || ") }}
            where
                {%- for column in primary_key %}
                raw_rows.{{ column }} is not null and
                {%- endfor %}
                open_entries.record_key is null
        ) as {{ table_name }}_not_quarantined
    {%- endif -%}
{%- endmacro %}
