{#- Test-case seeds cannot hold an empty string (dbt loads an empty CSV cell
    as NULL) and invisible characters are unreadable in a CSV, so the case
    seeds spell them as markers, which this expands. Only for macro_tests. -#}
{% macro decode_case_input(column) -%}
    {%- set markers = {
        '{empty}': "''",
        '{spaces}': "'   '",
        '{tab}': "chr(9)",
        '{newline}': "chr(10)",
        '{nbsp}': "chr(160)",
        '{rsquo}': "chr(8217)",
        '{acute}': "chr(769)",
        '{tilde}': "chr(771)",
    } -%}
    {%- set expression = namespace(sql=column) -%}
    {%- for marker, replacement in markers.items() -%}
        {%- set expression.sql = "replace(" ~ expression.sql ~ ", '" ~ marker ~ "', " ~ replacement ~ ")" -%}
    {%- endfor -%}
    {{ expression.sql }}
{%- endmacro %}
