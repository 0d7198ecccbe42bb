{#- A column type as the YAML declares it (`data_type` of sources and models: text, bigint,
    double precision, numeric, timestamp, date, boolean), in this warehouse's SQL. DuckDB and
    PostgreSQL read every one as written. Spark has no `text` and no `double precision`
    (`string`, `double`), and its bare `numeric` is decimal(10, 0): amounts get type_amount(). -#}
{% macro declared_type(data_type) -%}
    {{ return(adapter.dispatch('declared_type', 'cerebro')(data_type)) }}
{%- endmacro %}

{% macro default__declared_type(data_type) -%}
    {{ return(data_type) }}
{%- endmacro %}

{% macro spark__declared_type(data_type) -%}
    {%- set spelled = {'text': dbt.type_string(), 'varchar': dbt.type_string(),
                       'double precision': type_double(), 'numeric': type_amount()} -%}
    {{ return(spelled.get(data_type | lower | trim, data_type)) }}
{%- endmacro %}
