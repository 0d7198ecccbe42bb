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

{#-
    The project's on-run-start hook: on Spark, registers the tables the platform's dbt step
    landed just before it (cerebro/spark/serving.py puts their list, as JSON, in
    CEREBRO_SPARK_LANDED), so each dbt command reads what Python wrote since the last one (the
    ML outputs, the run history). Elsewhere, or when nothing was landed, it does nothing.
-#}
{% macro register_landed_tables_from_env() %}
    {%- set landed = env_var('CEREBRO_SPARK_LANDED', '') -%}
    {%- if execute and target.type == 'spark' and landed -%}
        {%- do register_landed_tables(fromjson(landed)['tables']) -%}
    {%- endif -%}
{% endmacro %}

{#-
    The materialization of a mart kept as a view (read fresh, or too large to store): a view
    where the engine serves the marts itself, a table on Spark, whose marts are served by
    reading their files (cerebro/spark/serving.py) and a view has none.
-#}
{% macro view_or_table_on_spark() %}
    {{- return('table' if target.type == 'spark' else 'view') -}}
{% endmacro %}
