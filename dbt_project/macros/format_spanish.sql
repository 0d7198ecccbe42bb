{#- Numbers as text for generated sentences, in the tenant's locale: the
    separators var('currency_formats') gives the tenant's `currency` (a column
    or a quoted literal), or the default locale's (es_CL) without one, as
    cerebro/formatting.py writes them ('1.234.567,89' in Chile, '1,234,567.89'
    in Peru), '-' for negatives; NULL stays NULL. Values are rounded half away
    from zero first and the sign is taken from the rounded value, so both
    warehouses write the same text (DuckDB's formatter alone rounds half to
    even and writes "-0"). -#}
{% macro format_number(expression, decimals=0, currency=none) -%}
    ({{ cerebro.rounded_sign(expression, decimals) }}
        || {{ cerebro.format_unsigned_in_locale(
            'abs(' ~ cerebro.round_half_away(expression, decimals) ~ ')', decimals, currency) }})
{%- endmacro %}

{#- A non-negative number with the separators of `currency`'s locale. -#}
{% macro format_unsigned_in_locale(expression, decimals, currency) -%}
    {%- set default = var('default_number_separators') -%}
    {%- set format_unsigned = adapter.dispatch('format_unsigned_number', 'cerebro') -%}
    {%- if currency is none -%}
    {{ format_unsigned(expression, decimals, default.decimal, default.group) }}
    {%- else -%}
    (case {{ currency }}
    {%- for code, spec in var('currency_formats').items() %}
        when '{{ code }}' then {{ format_unsigned(expression, decimals, spec.decimal, spec.group) }}
    {%- endfor %}
        else {{ format_unsigned(expression, decimals, default.decimal, default.group) }}
    end)
    {%- endif -%}
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

{#- Spark: round() of a double rounds its exact binary value half away from zero, as DuckDB's
    does (a cast to decimal first would round twice: 0.65478249999 -> 0.654782500 -> 0.654783;
    Spark's bare numeric is decimal(10, 0) besides). -#}
{% macro spark__round_half_away(expression, decimals) -%}
    round(cast({{ expression }} as {{ type_double() }}), {{ decimals }})
{%- endmacro %}

{% macro duckdb__round_half_away(expression, decimals) -%}
    round(cast({{ expression }} as {{ type_double() }}), {{ decimals }})
{%- endmacro %}

{#- DuckDB: the fmt library's '{:,.Nf}' writes 1,234.50; translate puts the
    locale's group and decimal symbols in place of ',' and '.'. -#}
{% macro duckdb__format_unsigned_number(expression, decimals, decimal, group) -%}
    translate(format('{:,.{{ decimals }}f}', {{ expression }}), ',.', '{{ group ~ decimal }}')
{%- endmacro %}

{#- Spark: format_number writes 1,234.50 (the value arrives rounded half away from zero, so
    its half-even rounding never applies). -#}
{% macro spark__format_unsigned_number(expression, decimals, decimal, group) -%}
    translate(format_number({{ expression }}, {{ decimals }}), ',.', '{{ group ~ decimal }}')
{%- endmacro %}

{#- PostgreSQL: to_char with literal ',' and '.' in the pattern (G and D
    would follow the server's locale), then translated the same way. -#}
{% macro default__format_unsigned_number(expression, decimals, decimal, group) -%}
    {%- set pattern = 'FM999,999,999,999,999,990' ~ ('.' ~ '0' * decimals if decimals > 0 else '') -%}
    translate(to_char({{ expression }}, '{{ pattern }}'), ',.', '{{ group ~ decimal }}')
{%- endmacro %}

{#- An amount in its currency: the symbol, decimals and separators that
    var('currency_formats') gives the currency ('$12.346' for CLP,
    'S/ 12,345.60' for PEN, a no-break space after 'S/'), else the ISO code and
    two decimals ('USD 12.345,60'); a minus sign goes before the symbol
    ('-$12.346'), as cerebro/formatting.py writes it. `currency` is a column or
    a quoted literal. -#}
{% macro format_money(expression, currency) -%}
    {%- set formats = var('currency_formats') -%}
    {%- set format_unsigned = adapter.dispatch('format_unsigned_number', 'cerebro') -%}
    (case {{ currency }}
    {%- for code, spec in formats.items() %}
        when '{{ code }}' then {{ cerebro.rounded_sign(expression, spec.decimals) }} || '{{ spec.symbol }}'
            || {{ format_unsigned('abs(' ~ cerebro.round_half_away(expression, spec.decimals) ~ ')',
                spec.decimals, spec.decimal, spec.group) }}
    {%- endfor %}
        else {{ cerebro.rounded_sign(expression, 2) }} || {{ currency }} || ' '
            || {{ cerebro.format_number('abs(' ~ expression ~ ')', 2) }}
    end)
{%- endmacro %}

{#- A fraction as a percent in the tenant's locale: 0.305 -> '30,5%' with one
    decimal in Chile ('30.5%' in Peru), '31%' with none; CLDR's es_CL and es_PE
    put no space before the sign (cerebro/formatting.py format_percent). -#}
{% macro format_percent(expression, decimals=0, currency=none) -%}
    ({{ cerebro.format_number('100 * (' ~ expression ~ ')', decimals, currency) }} || '%')
{%- endmacro %}

{#- A date as Spanish text, as the pages write it in headings
    (cerebro/formatting.py format_long_date): '3 de octubre de 2026'.
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
