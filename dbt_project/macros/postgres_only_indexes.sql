{#- A model's `indexes` config: one index on `columns` on PostgreSQL, none elsewhere. dbt-duckdb
    builds the indexes it is given, and a DuckDB table with an index cannot be renamed while
    models that read it run beside it (a full refresh then fails on `__dbt_backup`); DuckDB's
    zone maps serve its scans without one (index_dashboard_filters). Spark ignores it. -#}
{% macro postgres_only_indexes(columns) %}
    {%- if target.type == 'postgres' -%}
        {{ return([{'columns': columns}]) }}
    {%- endif -%}
    {{ return([]) }}
{% endmacro %}
