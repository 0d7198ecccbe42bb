{#- Models land in the schema their folder names (staging, marts, ...) rather
    than dbt's default "<target schema>_<custom schema>", so that Metabase and
    the Python API read stable names on every warehouse. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
