{#- A step of a model that later steps read more than once, computed once.

    On DuckDB and PostgreSQL it is a CTE (`name as materialized (…),`): the `materialized`
    hint keeps both from inlining it where it is read more than once (`hint=false` leaves
    the planner free, for a step read once). Spark has no such hint and inlines every CTE,
    so a chain of steps that each read the previous one twice grows its plan as 2^steps
    (dim_customer_identity's six passes ran out of an 8 GB driver while being planned): there
    the step is cached as a temporary view of the session (`cache table`, computed at once)
    before the model's statement runs, and the model reads it by the same name. -#}
{% macro materialized_step(name, sql, hint=true) -%}
    {{ return(adapter.dispatch('materialized_step', 'cerebro')(name, sql, hint)) }}
{%- endmacro %}

{% macro default__materialized_step(name, sql, hint) -%}
    {{ name }} as {{ 'materialized ' if hint }}(
    {{ sql }}
),
{%- endmacro %}

{% macro spark__materialized_step(name, sql, hint) -%}
    {%- set step_schema = 'model_steps' -%}
    {%- if execute -%}
        {#- In a schema of its own: the model's schema holds what readers are served. -#}
        {%- do run_query('create database if not exists ' ~ adapter.quote(step_schema)) -%}
        {%- set table = adapter.quote(step_schema) ~ '.' ~ adapter.quote(this.identifier ~ '__' ~ name) -%}
        {%- do run_query('drop table if exists ' ~ table) -%}
        {%- do run_query('create table ' ~ table ~ ' using parquet as ' ~ sql) -%}
        {%- do run_query('create or replace temporary view ' ~ name ~ ' as select * from ' ~ table) -%}
    {%- endif -%}
{%- endmacro %}
