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
    nullif(
        trim(regexp_replace(
            lower(translate(
                {{ column }},
                '{{ accented }}' || chr(160) || chr(8217)
                    || chr(768) || chr(769) || chr(770) || chr(771) || chr(776),
                '{{ folded }}' || ' ' || ''''
            )),
            '[[:space:]]+', ' ', 'g'
        )),
        ''
    )
{%- endmacro %}
