{#- A model's (or seed's) required columns in one test: the rows where any of them is NULL,
    counted per column. One scan of the model instead of one `not_null` test per column: a
    partition run executes every test as a dbt node of its own (~50 ms each whatever the data)
    and on PostgreSQL as a scan of the window's rows (decision 0019). A failure still names
    each column: one result row per column with NULLs, and the failure count is the number of
    NULLs, as `not_null` would report them. -#}
{% test not_null_columns(model, column_names) %}
{{ config(fail_calc = 'coalesce(sum(null_rows), 0)') }}
{%- if not column_names -%}
    {{ exceptions.raise_compiler_error("not_null_columns needs at least one column name") }}
{%- endif %}

with null_counts as (
    select
    {%- for column in column_names %}
        count(*) - count({{ column }}) as null_rows_{{ loop.index }}{{ "," if not loop.last }}
    {%- endfor %}
    from {{ model }}
)

{% for column in column_names -%}
select '{{ column }}' as column_name, null_rows_{{ loop.index }} as null_rows
from null_counts
where null_rows_{{ loop.index }} > 0
{% if not loop.last %}union all
{% endif -%}
{%- endfor %}

{% endtest %}
