{#- The sum of a floating-point expression, independent of the order the rows are added in:
    each value is rounded to 9 decimals (DECIMAL(38, 9), the scale amounts land with; PostgreSQL's
    cast also keeps 15 significant digits), summed exactly and turned back into a double. A plain sum of doubles changes in its last bits with
    the order a parallel aggregate meets the rows, so a mart rebuilt by a repeated or recovered
    run differed from a clean run's (found by the fault suite, which compares exact values;
    decision 0013). `over` makes it a window sum: sum_exact('x', over='partition by tenant_id'). -#}
{% macro sum_exact(expression, over=none) -%}
    cast(sum(cast({{ expression }} as decimal(38, 9))){{ ' over (' ~ over ~ ')' if over }} as {{ type_double() }})
{%- endmacro %}
