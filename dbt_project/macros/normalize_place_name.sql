{#- Matching key for free-text place names (comunas, districts, cities):
    accents, ñ and ü folded, lowercase, inner whitespace collapsed, trimmed;
    NULL when nothing is left. '  Viña   del Mar ' -> 'vina del mar'.

    Folding uses translate, not unaccent (an optional PostgreSQL extension),
    and runs before lower(): PostgreSQL's lower() follows the database's
    LC_CTYPE, and under the C locale it leaves 'Ñ' and 'Á' untouched. The same
    translate maps a no-break space to a space and a curly apostrophe to a
    straight one, and deletes combining accents (text typed in decomposed
    form, 'n' + U+0303), since translate drops characters that have no
    counterpart in the target string. The seeds' comuna_key and alias_key
    columns hold this function's output (tested in macro_tests). -#}
{% macro normalize_place_name(column) -%}
    {%- set accented = "áàâäãéèêëíìîïóòôöõúùûüñçÁÀÂÄÃÉÈÊËÍÌÎÏÓÒÔÖÕÚÙÛÜÑÇ" -%}
    {%- set folded = "aaaaaeeeeiiiiooooouuuuncAAAAAEEEEIIIIOOOOOUUUUNC" -%}
    {%- set folded_lower -%}
        lower(translate(
            {{ column }},
            '{{ accented }}' || {{ cerebro.unicode_char(160) }} || {{ cerebro.unicode_char(8217) }}
                || {{ cerebro.unicode_char(768) }} || {{ cerebro.unicode_char(769) }}
                || {{ cerebro.unicode_char(770) }} || {{ cerebro.unicode_char(771) }}
                || {{ cerebro.unicode_char(776) }},
            '{{ folded }}' || ' ' || ''''
        ))
    {%- endset -%}
    nullif(
        trim({{ cerebro.regexp_replace_all(folded_lower, "'" ~ cerebro.regex_space() ~ "+'", "' '") }}),
        ''
    )
{%- endmacro %}
