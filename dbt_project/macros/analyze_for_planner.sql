{#-
    A post-hook: on PostgreSQL, ANALYZE a table dbt has just (re)built. A new table has no
    statistics until autovacuum gets to it, minutes later, and the next model of the same run
    would be planned blind: at the `medium` size dim_customers, read right after the
    intermediate tables were rebuilt, ran over 6 minutes instead of 5 seconds (decision 0016).
    DuckDB keeps its statistics as it writes and needs nothing.
-#}
{% macro analyze_for_planner() %}
    {{ return(adapter.dispatch('analyze_for_planner', 'cerebro')()) }}
{% endmacro %}

{% macro default__analyze_for_planner() %}{% endmacro %}

{#- Only a table without statistics: a new one (a table, a full refresh, a first build). An
    incremental run changes a few days of a table that has them (autovacuum analyzes it once a
    tenth of its rows changed), and its ANALYZE cost 0.3-1.2 s a model at the `large` size,
    44 of them in one tenant's partition run, on the path of the models after it. -#}
{% macro postgres__analyze_for_planner() %}
    {%- if execute and model.config.materialized in ('table', 'incremental') -%}
        {%- set statistics -%}
            select 1 from pg_stats
            where schemaname = '{{ this.schema }}' and tablename = '{{ this.identifier }}'
            limit 1
        {%- endset -%}
        {%- if run_query(statistics) | length == 0 -%}
            analyze {{ this }}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
