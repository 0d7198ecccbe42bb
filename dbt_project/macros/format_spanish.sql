{#- Numbers as Spanish text for generated sentences (dashboards are in
    Spanish): '.' groups thousands, ',' separates decimals, '-' for
    negatives; NULL stays NULL. Values are rounded half away from zero first
    and the sign is taken from the rounded value, so both warehouses write the
    same text (DuckDB's formatter alone rounds half to even and writes "-0"). -#}
{% macro format_number(expression, decimals=0) -%}
    ({{ cerebro.rounded_sign(expression, decimals) }}
        || {{ adapter.dispatch('format_unsigned_number', 'cerebro')(
            'abs(' ~ cerebro.round_half_away(expression, decimals) ~ ')', decimals) }})
{%- endmacro %}

{#- '-' when the value rounds to a negative number, else ''. -#}
{% macro rounded_sign(expression, decimals) -%}
    case when {{ cerebro.round_half_away(expression, decimals) }} < 0 then '-' else '' end
{%- endmacro %}

{#- round() half away from zero on both warehouses: PostgreSQL's round() of a
    double rounds half to even, its round() of a numeric half away from zero;
    DuckDB's round() of a double rounds half away from zero (and a DuckDB
    numeric is DECIMAL(18,3), which would drop digits). -#}
{% macro round_half_away(expression, decimals) -%}
    {{ return(adapter.dispatch('round_half_away', 'cerebro')(expression, decimals)) }}
{%- endmacro %}

{% macro default__round_half_away(expression, decimals) -%}
    round(cast({{ expression }} as numeric), {{ decimals }})
{%- endmacro %}

{% macro duckdb__round_half_away(expression, decimals) -%}
    round(cast({{ expression }} as double precision), {{ decimals }})
{%- endmacro %}

{#- DuckDB: the fmt library's '{:,.Nf}' writes 1,234.50; translate swaps the
    separators. -#}
{% macro duckdb__format_unsigned_number(expression, decimals) -%}
    translate(format('{:,.{{ decimals }}f}', {{ expression }}), ',.', '.,')
{%- endmacro %}

{#- PostgreSQL: to_char with literal ',' and '.' in the pattern (G and D
    would follow the server's locale). -#}
{% macro default__format_unsigned_number(expression, decimals) -%}
    {%- set pattern = 'FM999,999,999,999,999,990' ~ ('.' ~ '0' * decimals if decimals > 0 else '') -%}
    translate(to_char({{ expression }}, '{{ pattern }}'), ',.', '.,')
{%- endmacro %}

{#- An amount in its currency: the symbol and decimals that var('currency_formats')
    gives the currency ('$12.345' for CLP, 'S/ 12.345,60' for PEN), else the
    ISO code and two decimals ('USD 12.345,60'). `currency` is a column or a
    quoted literal. -#}
{% macro format_money(expression, currency) -%}
    {%- set formats = var('currency_formats') -%}
    (case {{ currency }}
    {%- for code, spec in formats.items() %}
        when '{{ code }}' then {{ cerebro.rounded_sign(expression, spec.decimals) }} || '{{ spec.symbol }}'
            || {{ cerebro.format_number('abs(' ~ expression ~ ')', spec.decimals) }}
    {%- endfor %}
        else {{ cerebro.rounded_sign(expression, 2) }} || {{ currency }} || ' '
            || {{ cerebro.format_number('abs(' ~ expression ~ ')', 2) }}
    end)
{%- endmacro %}

{#- A fraction as a Spanish percent: 0.305 -> '30,5 %' with one decimal,
    '31 %' with none (Spanish puts a space before %). -#}
{% macro format_percent(expression, decimals=0) -%}
    ({{ cerebro.format_number('100 * (' ~ expression ~ ')', decimals) }} || ' %')
{%- endmacro %}

{#- A date as Spanish text, as the pages write it in headings
    (cerebro/dashboards/formatting.py format_long_date): '3 de octubre de 2026'.
    extract() gives numeric on PostgreSQL and bigint on DuckDB, hence the casts. -#}
{% macro format_long_date(expression) -%}
    (cast(cast(extract(day from {{ expression }}) as integer) as {{ dbt.type_string() }})
        || ' de ' || (case cast(extract(month from {{ expression }}) as integer)
        {%- for month in ['enero', 'febrero', 'marzo', 'abril', 'mayo', 'junio', 'julio',
                          'agosto', 'septiembre', 'octubre', 'noviembre', 'diciembre'] %}
            when {{ loop.index }} then '{{ month }}'
        {%- endfor %}
        end)
        || ' de ' || cast(cast(extract(year from {{ expression }}) as integer) as {{ dbt.type_string() }}))
{%- endmacro %}
