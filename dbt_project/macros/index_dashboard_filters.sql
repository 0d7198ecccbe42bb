{#-
    Dashboards filter every mart by tenant and, most of the time, by a date range. On
    PostgreSQL each mart gets a b-tree on (tenant_id, its date column): the partition date
    column of an incremental model, else the first `*_date` / `*_month` column, else tenant_id
    alone. DuckDB needs none: its zone maps prune scans on these columns, and an ART index
    would only slow the loads. The incremental intermediates get it too: a partition run
    deletes its window's rows from them by tenant and date (macro replace_partition_rows).
-#}
{% macro index_dashboard_filters() %}
    {{ return(adapter.dispatch('index_dashboard_filters', 'cerebro')()) }}
{% endmacro %}

{% macro default__index_dashboard_filters() %}{% endmacro %}

{% macro postgres__index_dashboard_filters() %}
    {%- if execute and model.config.materialized in ('table', 'incremental') -%}
        {%- set index_name = (this.identifier ~ '__dashboard_idx')[:63] -%}
        {#- Looked up in the catalog first: `create index if not exists` takes the table's
            share lock before it finds the index, and waits for autovacuum (up to 2 s a model
            in a partition run). The columns are listed only for a table without it. -#}
        {%- set existing -%}
            select 1 from pg_indexes
            where schemaname = '{{ this.schema }}' and tablename = '{{ this.identifier }}'
                and indexname = '{{ index_name }}'
        {%- endset -%}
        {%- if run_query(existing) | length == 0 -%}
            {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
            {%- if 'tenant_id' in columns -%}
                {%- set key = ['tenant_id'] -%}
                {%- set date_column = config.get('partition_date_column') -%}
                {%- if date_column is none -%}
                    {%- for column in columns
                        if column.endswith('_date') or column.endswith('_month') -%}
                        {%- if loop.first -%}{%- do key.append(column) -%}{%- endif -%}
                    {%- endfor -%}
                {%- else -%}
                    {%- do key.append(date_column) -%}
                {%- endif -%}
                create index if not exists {{ adapter.quote(index_name) }}
                    on {{ this }} ({{ key | join(', ') }})
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
