{#- numerator / denominator, NULL when the denominator is 0 or NULL (KPIS.md:
    a rate with a zero denominator is NULL, never 0 and never an error).

    The numerator is cast to a float because integer / integer truncates on
    PostgreSQL (1 / 2 = 0) but not on DuckDB (1 / 2 = 0.5). The cast is to
    `double precision`, not dbt.type_float(): that renders `float`, which is
    8 bytes on PostgreSQL but a 4-byte REAL on DuckDB (1 / 3 = 0.33333334). -#}
{% macro safe_divide(numerator, denominator) -%}
    cast({{ numerator }} as double precision) / nullif({{ denominator }}, 0)
{%- endmacro %}
