{#- Table-driven test of format_number, format_money, format_percent and format_long_date: each
    case calls the macro with its own arguments (the decimals, the currency and the macro are
    Jinja, not columns), so the cases are listed here rather than in a seed. A case's currency
    picks its locale's separators (none: the default locale, es_CL); tests/cerebro/
    test_sentence_formats.py checks that every expected text is what cerebro/formatting.py
    writes, so sentences and pages agree. The space after 'S/' is a no-break space (U+00A0). -#}
{%- set cases = [
    ('thousands_no_decimals', 'format_number', '1234567.891', 0, none, '1.234.568'),
    ('thousands_two_decimals', 'format_number', '1234567.891', 2, none, '1.234.567,89'),
    ('chile_two_decimals', 'format_number', '1234567.891', 2, 'CLP', '1.234.567,89'),
    ('peru_two_decimals', 'format_number', '1234567.891', 2, 'PEN', '1,234,567.89'),
    ('peru_negative_thousands', 'format_number', '-1234.4', 0, 'PEN', '-1,234'),
    ('half_rounds_away_from_zero', 'format_number', '2.5', 0, none, '3'),
    ('negative_half_rounds_away', 'format_number', '-2.5', 0, none, '-3'),
    ('negative_rounding_to_zero_has_no_sign', 'format_number', '-0.4', 0, none, '0'),
    ('binary_exact_half_cent', 'format_number', '0.125', 2, none, '0,13'),
    ('small_with_decimals', 'format_number', '0.5', 1, none, '0,5'),
    ('null_stays_null', 'format_number', 'null', 0, none, none),
    ('clp_symbol_no_decimals', 'format_money', '14584.4', none, 'CLP', '$14.584'),
    ('clp_negative_sign_before_symbol', 'format_money', '-14584.6', none, 'CLP', '-$14.585'),
    ('clp_tiny_negative_is_zero', 'format_money', '-0.3', none, 'CLP', '$0'),
    ('pen_symbol_two_decimals', 'format_money', '1234.5', none, 'PEN', 'S/ 1,234.50'),
    ('pen_negative_sign_before_symbol', 'format_money', '-1234567.891', none, 'PEN', '-S/ 1,234,567.89'),
    ('unknown_currency_uses_code', 'format_money', '-10', none, 'USD', '-USD 10,00'),
    ('percent_one_decimal', 'format_percent', '0.305', 1, none, '30,5%'),
    ('percent_one_decimal_peru', 'format_percent', '0.305', 1, 'PEN', '30.5%'),
    ('percent_no_decimals', 'format_percent', '0.3049', 0, 'CLP', '30%'),
    ('percent_above_one', 'format_percent', '1.5', 0, none, '150%'),
    ('long_date_single_digit_day', 'format_long_date', '2026-10-03', none, none, '3 de octubre de 2026'),
    ('long_date_december', 'format_long_date', '2025-12-31', none, none, '31 de diciembre de 2025'),
    ('long_date_null_stays_null', 'format_long_date', 'null', none, none, none),
] -%}

with

cases as (
    {% for name, macro_name, value, decimals, currency, expected in cases -%}
    select
        '{{ name }}' as case_name,
        '{{ macro_name }}' as macro_name,
        {%- set value_sql = 'cast(' ~ value ~ ' as ' ~ type_double() ~ ')' %}
        {%- set currency_sql = "'" ~ currency ~ "'" if currency is not none else none %}
        {%- if macro_name == 'format_long_date' %}
        {{ cerebro.format_long_date("cast(" ~ ("'" ~ value ~ "'" if value != 'null' else value) ~ " as date)") }} as actual,
        {%- elif macro_name == 'format_money' %}
        {{ cerebro.format_money(value_sql, currency_sql) }} as actual,
        {%- elif macro_name == 'format_percent' %}
        {{ cerebro.format_percent(value_sql, decimals, currency_sql) }} as actual,
        {%- else %}
        {{ cerebro.format_number(value_sql, decimals, currency_sql) }} as actual,
        {%- endif %}
        {{ "'" ~ expected ~ "'" if expected is not none else 'cast(null as ' ~ dbt.type_string() ~ ')' }} as expected
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select * from cases
