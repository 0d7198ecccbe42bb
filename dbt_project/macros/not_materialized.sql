{#-
    Written between a CTE's name and its body (`name as {{ not_materialized() }} (`) in views
    that readers filter down to one tenant and customer. PostgreSQL (12 and later) computes a
    CTE that is referenced more than once by itself, before any filter of the outer query can
    reach it: a customer page's `where tenant_id = … and customer_id = …` on
    mart_customer_alive_history then built every tenant's life lines first (13 s for one
    customer of the 100-store agency, and over 15 minutes for the Metabase card that picks its
    customer in a CTE). `not materialized` inlines the CTE, so the filter reaches the orders'
    index: 33 ms. DuckDB pushes filters into its CTEs by itself, and Spark reads these marts as
    tables: nothing there.
-#}
{% macro not_materialized() %}
    {{- return(adapter.dispatch('not_materialized', 'cerebro')()) -}}
{% endmacro %}

{% macro default__not_materialized() %}{% endmacro %}

{% macro postgres__not_materialized() %}not materialized{% endmacro %}
