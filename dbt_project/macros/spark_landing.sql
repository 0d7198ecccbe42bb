{#-
    Registers the Parquet landing (cerebro/spark/landing.py) as the Spark tables dbt's sources
    name: `tables` is a list of {schema, name, location, partitioned_by}. Called by
    `cerebro spark build` through `dbt run-operation`, so the Spark session is the one the
    profile configures (metastore, warehouse folder) and no second process opens the
    metastore. Tables are external (`location`): dropping one forgets it and keeps the files.
    Spark infers the columns and the tenant partitions from the files (an explicit
    `partitioned by` would need the column list); `msck repair table` records the partitions
    in the metastore.
-#}
{% macro register_landed_tables(tables) %}
    {%- if target.type != 'spark' -%}
        {{ exceptions.raise_compiler_error(
            "register_landed_tables registers Parquet for Spark; on " ~ target.type
            ~ " the landing writes the tables themselves") }}
    {%- endif -%}
    {%- for table in tables -%}
        {%- set relation = adapter.quote(table.schema) ~ '.' ~ adapter.quote(table.name) -%}
        {%- do run_query('create database if not exists ' ~ adapter.quote(table.schema)) -%}
        {%- do run_query('drop table if exists ' ~ relation) -%}
        {%- do run_query('create table ' ~ relation ~ " using parquet location '"
            ~ table.location | replace("'", "\\'") ~ "'") -%}
        {%- if table.partitioned_by -%}
            {%- do run_query('msck repair table ' ~ relation) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ log('registered ' ~ tables | length ~ ' landed tables', info=True) }}
{% endmacro %}
