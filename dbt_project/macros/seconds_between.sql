{#- Whole seconds from one naive timestamp to another, counted as dbt's datediff counts them
    (the second boundaries crossed, so 10:00:00.9 to 10:00:01.1 is one). dbt-postgres expands
    datediff into a date difference and three date_part pairs, repeating each argument four
    times: on an expression (a timezone conversion, a window function) over millions of rows
    that is most of a query (mart_landing_latency_daily). PostgreSQL's epoch reads each
    argument once; the other warehouses' datediff already does. -#}
{% macro seconds_between(start_timestamp, end_timestamp) -%}
    {{ return(adapter.dispatch('seconds_between', 'cerebro')(start_timestamp, end_timestamp)) }}
{%- endmacro %}

{% macro default__seconds_between(start_timestamp, end_timestamp) -%}
    {{ dbt.datediff(start_timestamp, end_timestamp, 'second') }}
{%- endmacro %}

{% macro postgres__seconds_between(start_timestamp, end_timestamp) -%}
    cast(
        floor(extract(epoch from ({{ end_timestamp }})::timestamp))
        - floor(extract(epoch from ({{ start_timestamp }})::timestamp))
        as double precision
    )
{%- endmacro %}
