{#- A source table's freshness threshold (`warn_after` or `error_after` of its
    dbt source config) in hours, as a SQL literal; 'null' when the table has
    no freshness target. Read from the parsed project, so the thresholds that
    `dbt source freshness` checks are the ones dashboards show. -#}
{% macro freshness_hours(source_name, table_name, threshold) -%}
    {%- if not execute -%}
        {{ return('null') }}
    {%- endif -%}
    {%- set node = graph.sources['source.' ~ project_name ~ '.' ~ source_name ~ '.' ~ table_name] -%}
    {%- set rule = (node.freshness or {}).get(threshold) or {} -%}
    {%- set hours_per_period = {'minute': 1 / 60, 'hour': 1, 'day': 24} -%}
    {%- if rule.get('count') is none or rule.get('period') is none -%}
        {{ return('null') }}
    {%- endif -%}
    {{ return(rule['count'] * hours_per_period[rule['period']]) }}
{%- endmacro %}
