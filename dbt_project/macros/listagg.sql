{#- dbt-spark's listagg drops the order-by clause (with a warning), so the budget sentences and
    the customer page's service lists would come out in any order on Spark. Spark 4 has the
    SQL-standard ordered aggregate; this branch overrides dbt's for the spark adapter only
    (the other warehouses keep dbt's own). -#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- if limit_num -%}
        {{ exceptions.raise_compiler_error("listagg's limit_num is not supported on Spark") }}
    {%- endif -%}
    listagg({{ measure }}, {{ delimiter_text }})
    {%- if order_by_clause %} within group ({{ order_by_clause }}){% endif %}
{%- endmacro %}
