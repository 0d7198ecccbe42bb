{#-
    An on-run-start hook: on PostgreSQL, a b-tree on (tenant_id, column) for every column a
    source table declares in `meta.partition_index_columns`, the raw UTC times partition runs
    read a window of (decision 0043). The targets create the raw tables with their primary
    key only, so a window on `created_at` read all of a tenant's rows through that key: one
    tenant's 115 000 orders at the `large` size, for each staging test and model of a
    partition run, even for a day without data. Created where missing (a raw table a target
    has just created, or created again), after one catalog query; a declared table or column
    that is not there (a source nobody lands) is skipped. DuckDB prunes such scans with its
    zone maps, and Spark reads the landed Parquet by tenant folder: nothing to do there.
-#}
{% macro index_partition_reads() %}
    {{ return(adapter.dispatch('index_partition_reads', 'cerebro')()) }}
{% endmacro %}

{% macro default__index_partition_reads() %}{% endmacro %}

{% macro postgres__index_partition_reads() %}
    {%- if execute -%}
        {%- set wanted = [] -%}
        {%- for source in graph.sources.values() -%}
            {%- for column in source.meta.get('partition_index_columns', []) -%}
                {%- do wanted.append({
                    'schema': source.schema, 'table': source.identifier, 'column': column,
                    'index': (source.identifier ~ '__partition_' ~ column)[:63],
                }) -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- if wanted -%}
            {%- set missing_query -%}
                select wanted.schema_name, wanted.table_name, wanted.column_name, wanted.index_name
                from (values
                    {%- for item in wanted %}
                    ('{{ item.schema }}', '{{ item.table }}', '{{ item.column }}', '{{ item.index }}')
                    {%- if not loop.last %},{% endif -%}
                    {%- endfor %}
                ) as wanted (schema_name, table_name, column_name, index_name)
                inner join pg_catalog.pg_namespace as table_schema
                    on table_schema.nspname = wanted.schema_name
                inner join pg_catalog.pg_class as source_table
                    on source_table.relnamespace = table_schema.oid
                    and source_table.relname = wanted.table_name
                    and source_table.relkind in ('r', 'p')
                inner join pg_catalog.pg_attribute as declared_column
                    on declared_column.attrelid = source_table.oid
                    and declared_column.attname = wanted.column_name
                    and not declared_column.attisdropped
                inner join pg_catalog.pg_attribute as tenant_column
                    on tenant_column.attrelid = source_table.oid
                    and tenant_column.attname = 'tenant_id'
                    and not tenant_column.attisdropped
                where not exists (
                    select 1 from pg_catalog.pg_indexes as existing
                    where existing.schemaname = wanted.schema_name
                        and existing.indexname = wanted.index_name
                )
            {%- endset -%}
            {%- for row in run_query(missing_query) -%}
                {%- call statement('index_partition_read') -%}
                    create index if not exists {{ adapter.quote(row['index_name']) }}
                        on {{ adapter.quote(row['schema_name']) }}.{{ adapter.quote(row['table_name']) }}
                        (tenant_id, {{ adapter.quote(row['column_name']) }})
                {%- endcall -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
