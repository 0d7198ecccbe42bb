{#- dbt unit tests on PostgreSQL compare numeric values, not their scale.

    dbt fetches the actual and the expected rows and diffs them as text. A
    PostgreSQL numeric value carries its own scale, and sum(), coalesce() and
    arithmetic over numeric(28,6) return an unconstrained numeric: an actual
    3000.000000 and the expected 3000 (cast to that unconstrained numeric)
    are equal but print differently, so the test fails. DuckDB's decimals have
    one scale per column, so the two sides always print alike there.
    trim_scale() (PostgreSQL 13+) drops trailing fractional zeros on both
    sides; the rows themselves come from dbt's own default__ macro. -#}
{% macro postgres__get_unit_test_sql(main_sql, expected_fixture_sql, expected_column_names) -%}
    {%- set numeric_columns = [] -%}
    {%- for column in get_column_schema_from_query(main_sql) -%}
        {%- if column.is_numeric() -%}
            {%- do numeric_columns.append(adapter.quote(column.name)) -%}
        {%- endif -%}
    {%- endfor -%}
select
    {% for name in expected_column_names -%}
        {%- if name in numeric_columns -%} trim_scale({{ name }}) as {{ name }} {%- else -%} {{ name }} {%- endif -%},
    {% endfor -%}
    {{ adapter.quote("actual_or_expected") }}
from (
    {{ dbt.default__get_unit_test_sql(main_sql, expected_fixture_sql, expected_column_names) }}
) as dbt_internal_unit_test_rows
{%- endmacro %}
