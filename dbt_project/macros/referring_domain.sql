{#- Host of a referring URL without scheme, "www." or path, lowercased:
    'https://www.Google.cl/search?q=x' -> 'google.cl'. NULL when empty.
    The channel-mapping seed matches on this value. `[.]`, not `\.`: Spark's string literals
    would eat the backslash. -#}
{% macro referring_domain(url_column) -%}
    {%- set without_scheme -%}
        regexp_replace(trim({{ url_column }}), '^[a-zA-Z][a-zA-Z0-9+.-]*://', '')
    {%- endset -%}
    nullif(
        lower({{ cerebro.regexp_replace_all(without_scheme, "'^www[.]|[/:?#].*$'", "''") }}),
        ''
    )
{%- endmacro %}
