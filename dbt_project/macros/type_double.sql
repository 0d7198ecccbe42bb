{#- The 8-byte floating-point type of every warehouse. Not dbt.type_float(): that renders
    `float`, 8 bytes on PostgreSQL but a 4-byte REAL on DuckDB (1 / 3 = 0.33333334).
    Spark spells it `double` (its parser rejects `double precision`). -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'cerebro')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    {{ return('double precision') }}
{%- endmacro %}

{% macro spark__type_double() -%}
    {{ return('double') }}
{%- endmacro %}
