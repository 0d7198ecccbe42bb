{#- The incremental materialization on Spark: a partition run replaces its tenants' partitions.

    The project's incremental strategies replace a run's window by deleting its rows
    (partition_window) or upsert by key (merge, dim_customers); Parquet tables can do neither
    (both need Delta or Iceberg, whose jars come from Maven at run time). What Parquet tables
    can do is overwrite whole partitions. So on Spark a model with a `tenant_id` is a table
    partitioned by tenant, a partition run's window covers its tenants' whole history
    (`partition_window()`, `whole_tenants`) and its rows replace those tenants' partitions
    (`insert overwrite ... partition (tenant_id)`, dynamic: the other tenants' folders are not
    touched). A tenant's night recomputes that tenant alone, whatever the number of tenants;
    tests/platform/test_platform_on_spark.py checks that it gives the rows of a full build.

    A full build (no window, a new or full-refreshed table, changed columns, a table built
    before it was partitioned, a model without tenant_id) recreates the table.

    A table without rows is not partitioned: Spark writes no file for a partitioned table
    without partitions, only for an unpartitioned one (an empty file that carries the
    columns), and the readers of Spark's Parquet (the DuckDB file's serving views,
    cerebro/spark/serving.py) find the columns only in a file, as the landing's empty tables
    do (cerebro/spark/landing.py). The next run with rows recreates it partitioned, losing
    nothing: it had no rows. -#}
{% materialization incremental, adapter='spark' %}
    {%- set existing = load_relation(this) -%}
    {%- set window = partition_window() -%}
    {%- set new_rows = this.incorporate(path={'identifier': this.identifier ~ '__dbt_tmp'})
        .include(database=false, schema=false) -%}

    {{ run_hooks(pre_hooks) }}

    {%- call statement('new_rows') -%}
        create or replace temporary view {{ new_rows }} as {{ compiled_code }}
    {%- endcall -%}
    {%- set columns = adapter.get_columns_in_relation(new_rows) | map(attribute='name') | list -%}
    {%- set by_tenant = 'tenant_id' in columns -%}

    {%- set replace_tenants = by_tenant and window is not none and existing is not none
        and not existing.is_view and not should_full_refresh()
        and spark_partitioned_by_tenant(existing) -%}
    {%- if replace_tenants -%}
        {%- set existing_columns = adapter.get_columns_in_relation(existing)
            | map(attribute='name') | list -%}
        {%- set replace_tenants = existing_columns | sort == columns | sort -%}
    {%- endif -%}

    {%- if replace_tenants -%}
        {%- call statement('overwrite_mode') -%}
            set spark.sql.sources.partitionOverwriteMode = DYNAMIC
        {%- endcall -%}
        {%- call statement('main') -%}
            insert overwrite table {{ this }} partition (tenant_id)
            {#- In the table's column order, which puts the partition column last. #}
            select
                {%- for column in existing_columns %}
                {{ adapter.quote(column) }}{{ ',' if not loop.last }}
                {%- endfor %}
            from {{ new_rows }}
        {%- endcall -%}
    {%- else -%}
        {%- if existing is not none -%}
            {%- do adapter.drop_relation(existing) -%}
        {%- endif -%}
        {%- call statement('main') -%}
            create table {{ this }} using parquet
            {% if by_tenant %}partitioned by (tenant_id){% endif %}
            as select * from {{ new_rows }}
        {%- endcall -%}
        {%- if by_tenant and run_query('show partitions ' ~ this).rows | length == 0 -%}
            {%- call statement('drop_empty_table') -%}
                drop table {{ this }}
            {%- endcall -%}
            {#- `limit 0`: Spark's plan of it reads nothing. #}
            {%- call statement('empty_table') -%}
                create table {{ this }} using parquet as select * from {{ new_rows }} limit 0
            {%- endcall -%}
        {%- endif -%}
    {%- endif -%}

    {% do persist_docs(this, model) %}
    {{ run_hooks(post_hooks) }}
    {{ return({'relations': [this]}) }}
{% endmaterialization %}


{#- Whether a Spark table is partitioned by tenant_id (`describe table` lists its partition
    columns after a `# Partition Information` row). -#}
{% macro spark_partitioned_by_tenant(relation) %}
    {%- set described = run_query('describe table ' ~ relation) -%}
    {%- set names = described.columns[0].values() | map('trim') | list -%}
    {%- if '# Partition Information' not in names -%}
        {{ return(false) }}
    {%- endif -%}
    {{ return('tenant_id' in names[names.index('# Partition Information') + 1:]) }}
{% endmacro %}
