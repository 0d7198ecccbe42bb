{#- numerator / denominator, NULL when the denominator is 0 or NULL (KPIS.md:
    a rate with a zero denominator is NULL, never 0 and never an error).

    The numerator is cast to a float because integer / integer truncates on
    PostgreSQL (1 / 2 = 0) but not on DuckDB (1 / 2 = 0.5); to type_double(), an
    8-byte float on every warehouse. -#}
{% macro safe_divide(numerator, denominator) -%}
    cast({{ numerator }} as {{ type_double() }}) / nullif({{ denominator }}, 0)
{%- endmacro %}
