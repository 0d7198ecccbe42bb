{#- A campaign's name, id or UTM as one slug (doc block kpi_campaign_performance), so that
    "Prospección - Limpieza", "prospeccion_limpieza" and " PROSPECCIÓN LIMPIEZA " are one
    campaign: lower case, Spanish accents dropped, every run of other characters one '_', none
    at the ends; NULL when nothing is left. Accented capitals are translated too: lower() of a
    non-ASCII letter depends on the PostgreSQL database's collation. -#}
{% macro campaign_slug(expression) -%}
    {{ return(adapter.dispatch('campaign_slug', 'cerebro')(expression)) }}
{%- endmacro %}

{#- DuckDB and PostgreSQL replace only the first match without the 'g' flag. -#}
{% macro default__campaign_slug(expression) -%}
    nullif(trim(both '_' from regexp_replace(
        translate(lower({{ expression }}), 'áàäâéèëêíìïîóòöôúùüûñçÁÀÄÂÉÈËÊÍÌÏÎÓÒÖÔÚÙÜÛÑÇ',
            'aaaaeeeeiiiioooouuuuncaaaaeeeeiiiioooouuuunc'),
        '[^a-z0-9]+', '_', 'g')), '')
{%- endmacro %}

{#- Spark's regexp_replace replaces every match and takes no flags. -#}
{% macro spark__campaign_slug(expression) -%}
    nullif(trim(both '_' from regexp_replace(
        translate(lower({{ expression }}), 'áàäâéèëêíìïîóòöôúùüûñçÁÀÄÂÉÈËÊÍÌÏÎÓÒÖÔÚÙÜÛÑÇ',
            'aaaaeeeeiiiioooouuuuncaaaaeeeeiiiioooouuuunc'),
        '[^a-z0-9]+', '_')), '')
{%- endmacro %}
