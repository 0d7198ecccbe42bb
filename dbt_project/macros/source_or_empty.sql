{#- The source's relation, or an empty relation with the columns (and
    data_type) its yml declares while the table does not exist yet: ML outputs
    are written by a Dagster asset, so a plain `dbt build` before the first
    model run builds empty ML marts instead of failing. source() is always
    called, so the dependency (and Dagster's lineage) is recorded at parse time. -#}
{% macro source_or_empty(source_name, table_name) -%}
    {%- set relation = source(source_name, table_name) -%}
    {#- In a unit test the source is the test's fixture (no schema to look in): use it. -#}
    {%- if not execute or relation.schema is none -%}
        {{ relation }}
    {%- else -%}
        {%- set existing = adapter.get_relation(
            database=relation.database, schema=relation.schema, identifier=relation.identifier
        ) -%}
        {%- if existing is not none -%}
            {{ relation }}
        {%- else -%}
            {%- set node = graph.sources['source.' ~ project_name ~ '.' ~ source_name ~ '.' ~ table_name] -%}
            (
                select
                {%- for column in node.columns.values() %}
                    cast(null as {{ declared_type(column.data_type) }}) as {{ column.name }}{{ "," if not loop.last }}
                {%- endfor %}
                where 1 = 0
            ) as {{ table_name }}_not_written_yet
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
