{#-
    The `table_function` materialization on PostgreSQL, beside dbt-duckdb's own of the same
    name (a table macro): a model whose SELECT takes parameters, for a figure computed as of
    a date the reader chooses that cannot be stored for every date (RFM's quintiles rank
    every customer as of that date). The model configures `parameters` as "<name> <type>"
    (DuckDB takes them as typed macro parameters, PostgreSQL as the function's arguments)
    and uses them by name; readers call `marts.<model>(...)`. PostgreSQL declares a
    function's result, so the columns are the model's yml columns with their data_type.
    The function is a SQL function, STABLE (it reads, never writes) and SECURITY INVOKER
    (the default): row-level security applies to whoever calls it, as to the tables. It is
    dropped first, since CREATE OR REPLACE cannot change a function's result columns.
    Nothing is stored, so the marts' index and ANALYZE hooks render nothing for it.
-#}
{% materialization table_function, adapter='postgres' %}
    {%- set parameters = config.require('parameters') -%}
    {%- set parameters = [parameters] if parameters is string else parameters -%}
    {%- set target = this.include(database=False) -%}
    {%- set columns = model.columns.values() | list -%}
    {%- set untyped = columns | rejectattr('data_type') | map(attribute='name') | list -%}
    {%- if not columns or untyped -%}
        {{ exceptions.raise_compiler_error(
            "table_function " ~ this.identifier ~ ": its yml must declare every column with "
            ~ "its data_type (missing: " ~ (untyped | join(', ') or 'every column') ~ ")") }}
    {%- endif -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}
    {% call statement('main') -%}
        drop function if exists {{ target }};
        create function {{ target }}({{ parameters | join(', ') }})
        returns table (
            {%- for column in columns %}
            {{ adapter.quote(column.name) }} {{ column.data_type }}{{ ',' if not loop.last }}
            {%- endfor %}
        )
        language sql
        stable
        as $table_function$
        {{ sql }}
        $table_function$
    {%- endcall %}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': []}) }}
{% endmaterialization %}
