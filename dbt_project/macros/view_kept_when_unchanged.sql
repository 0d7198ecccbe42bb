{#-
    Views on PostgreSQL: a run that is not a full refresh keeps a view whose definition has
    not changed instead of recreating it (decision 0043). dbt's own view materialization
    creates the view under a temporary name, renames the old one away, renames the new one in,
    drops the old one and writes every comment again: seven round trips and catalog writes
    for each of the ~38 views of every tenant's daily partition run, although only a deploy
    changes a view, and each swap takes an exclusive lock that dashboards reading the view
    wait on.

    "Unchanged" is decided by PostgreSQL, not by comparing text: the compiled SQL becomes a
    temporary view and its normalized definition (pg_get_viewdef, the columns `*` expands to
    included) is compared with the existing view's. A view dropped in this run (its upstream
    table or view was replaced, `drop ... cascade`) no longer exists and is created again;
    so is one whose raw table gained a column. A kept view still gets its hooks (the
    security_invoker option), its grants and any comment whose description changed.
    A full refresh (the full build) recreates every view, as dbt does.
-#}
{% materialization view, adapter='postgres' -%}
    {%- set target_relation = this.incorporate(type='view') -%}
    {%- if should_full_refresh() or not view_definition_unchanged(target_relation, sql) -%}
        {{ return(dbt.materialization_view_default()) }}
    {%- endif -%}
    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}
    {%- do apply_grants(target_relation, config.get('grants'), should_revoke=True) -%}
    {%- do persist_docs(target_relation, model) -%}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': [target_relation]}) }}
{%- endmaterialization %}


{#- True when `relation` is a view whose definition equals what `sql` would create. The probe
    is the node's `main` statement (dbt reports its status); it is a temporary view, gone
    when dbt closes the node's connection. -#}
{% macro view_definition_unchanged(relation, sql) -%}
    {%- call statement('main', fetch_result=True) -%}
        create or replace temporary view cerebro_view_probe as (
            {{ sql }}
        );
        select pg_catalog.pg_get_viewdef(existing.oid)
            = pg_catalog.pg_get_viewdef('pg_temp.cerebro_view_probe'::regclass) as unchanged
        from pg_catalog.pg_class as existing
        inner join pg_catalog.pg_namespace as existing_schema
            on existing_schema.oid = existing.relnamespace
        where existing.relname = '{{ relation.identifier }}'
            and existing_schema.nspname = '{{ relation.schema }}'
            and existing.relkind = 'v'
    {%- endcall -%}
    {%- set rows = load_result('main')['table'].rows -%}
    {{ return(rows | length > 0 and rows[0][0]) }}
{%- endmacro %}
