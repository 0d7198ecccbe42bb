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

{% macro postgres__analyze_for_planner() %}
    {%- if execute and model.config.materialized in ('table', 'incremental') -%}
        analyze {{ this }}
    {%- endif -%}
{% endmacro %}
