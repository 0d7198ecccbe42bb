{#- Table-driven test of format_number, format_money, format_percent and format_long_date: each
    case calls the macro with its own arguments (the decimals and the macro
    are Jinja, not columns), so the cases are listed here rather than in a seed. -#}
{%- set cases = [
    ('thousands_no_decimals', 'format_number', '1234567.891', 0, '1.234.568'),
    ('thousands_two_decimals', 'format_number', '1234567.891', 2, '1.234.567,89'),
    ('half_rounds_away_from_zero', 'format_number', '2.5', 0, '3'),
    ('negative_half_rounds_away', 'format_number', '-2.5', 0, '-3'),
    ('negative_rounding_to_zero_has_no_sign', 'format_number', '-0.4', 0, '0'),
    ('binary_exact_half_cent', 'format_number', '0.125', 2, '0,13'),
    ('small_with_decimals', 'format_number', '0.5', 1, '0,5'),
    ('null_stays_null', 'format_number', 'null', 0, none),
    ('clp_symbol_no_decimals', 'format_money', '14584.4', 'CLP', '$14.584'),
    ('clp_negative_sign_before_symbol', 'format_money', '-14584.6', 'CLP', '-$14.585'),
    ('clp_tiny_negative_is_zero', 'format_money', '-0.3', 'CLP', '$0'),
    ('pen_symbol_two_decimals', 'format_money', '1234.5', 'PEN', 'S/ 1.234,50'),
    ('unknown_currency_uses_code', 'format_money', '-10', 'USD', '-USD 10,00'),
    ('percent_one_decimal', 'format_percent', '0.305', 1, '30,5 %'),
    ('percent_no_decimals', 'format_percent', '0.3049', 0, '30 %'),
    ('percent_above_one', 'format_percent', '1.5', 0, '150 %'),
    ('long_date_single_digit_day', 'format_long_date', '2026-10-03', none, '3 de octubre de 2026'),
    ('long_date_december', 'format_long_date', '2025-12-31', none, '31 de diciembre de 2025'),
    ('long_date_null_stays_null', 'format_long_date', 'null', none, none),
] -%}

with

cases as (
    {% for name, macro_name, value, argument, expected in cases -%}
    select
        '{{ name }}' as case_name,
        '{{ macro_name }}' as macro_name,
        {%- set value_sql = 'cast(' ~ value ~ ' as double precision)' %}
        {%- if macro_name == 'format_long_date' %}
        {{ cerebro.format_long_date("cast(" ~ ("'" ~ value ~ "'" if value != 'null' else value) ~ " as date)") }} as actual,
        {%- elif macro_name == 'format_money' %}
        {{ cerebro.format_money(value_sql, "'" ~ argument ~ "'") }} as actual,
        {%- elif macro_name == 'format_percent' %}
        {{ cerebro.format_percent(value_sql, argument) }} as actual,
        {%- else %}
        {{ cerebro.format_number(value_sql, argument) }} as actual,
        {%- endif %}
        {{ "'" ~ expected ~ "'" if expected is not none else 'cast(null as ' ~ dbt.type_string() ~ ')' }} as expected
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select * from cases
