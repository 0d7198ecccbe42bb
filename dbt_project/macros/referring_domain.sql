{#- Host of a referring URL without scheme, "www." or path, lowercased:
    'https://www.Google.cl/search?q=x' -> 'google.cl'. NULL when empty.
    The channel-mapping seed matches on this value. -#}
{% macro referring_domain(url_column) -%}
    nullif(
        lower(regexp_replace(
            regexp_replace(trim({{ url_column }}), '^[a-zA-Z][a-zA-Z0-9+.-]*://', ''),
            '^www\.|[/:?#].*$', '', 'g'
        )),
        ''
    )
{%- endmacro %}
