{#-
    A pre-hook for models whose window filters PostgreSQL cannot estimate: dim_customers picks
    the window's customers by local dates (expressions over `at time zone`), PostgreSQL guesses
    a handful of rows where a daily run has hundreds to thousands, and plans nested loops over
    materialized CTEs: 280 s for a daily run at the `small` size, against 2.6 s with hash joins
    (decision 0016). `set local` lasts for the model's transaction only. DuckDB plans hash joins
    by itself and needs nothing.
-#}
{% macro hash_joins_only() %}
    {{ return(adapter.dispatch('hash_joins_only', 'cerebro')()) }}
{% endmacro %}

{% macro default__hash_joins_only() %}{% endmacro %}

{% macro postgres__hash_joins_only() %}
    set local enable_nestloop = off
{% endmacro %}
