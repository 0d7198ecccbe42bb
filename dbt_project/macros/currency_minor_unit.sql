{#- The smallest amount of a currency (1 for CLP, 0.01 for PEN), from the decimals
    var('currency_formats') gives it; two decimals for other currencies, as
    format_money assumes. Reconciliation tests use it as their rounding tolerance:
    amounts rounded to the currency may disagree by less than one unit, never by
    one. `currency` is a column or a quoted literal. -#}
{% macro currency_minor_unit(currency) -%}
    {%- set formats = var('currency_formats') -%}
    (case {{ currency }}
    {%- for code, spec in formats.items() %}
        when '{{ code }}' then {{ 1 / 10 ** spec.decimals }}
    {%- endfor %}
        else 0.01
    end)
{%- endmacro %}
