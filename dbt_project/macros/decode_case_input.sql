{#- Test-case seeds cannot hold an empty string (dbt loads an empty CSV cell
    as NULL) and invisible characters are unreadable in a CSV, so the case
    seeds spell them as markers, which this expands. Only for macro_tests. -#}
{% macro decode_case_input(column) -%}
    {%- set markers = {
        '{empty}': "''",
        '{spaces}': "'   '",
        '{tab}': cerebro.unicode_char(9),
        '{newline}': cerebro.unicode_char(10),
        '{nbsp}': cerebro.unicode_char(160),
        '{rsquo}': cerebro.unicode_char(8217),
        '{acute}': cerebro.unicode_char(769),
        '{tilde}': cerebro.unicode_char(771),
    } -%}
    {%- set expression = namespace(sql=column) -%}
    {%- for marker, replacement in markers.items() -%}
        {%- set expression.sql = "replace(" ~ expression.sql ~ ", '" ~ marker ~ "', " ~ replacement ~ ")" -%}
    {%- endfor -%}
    {{ expression.sql }}
{%- endmacro %}
