{#-
    A post-hook for the views tenant roles read (decision 0030): on PostgreSQL (15 and later)
    the view runs with the rights of the role that queries it, so the row-level security of
    the tables under it applies to that role; a plain view runs with its owner's rights, which
    skip row-level security, and cerebro/serving/security/rls.py never grants one to tenants. rls.py
    grants a marts view to tenants only when it and every view under it carry this option.
    DuckDB has no roles, grants or row-level security (and no such view option): nothing.
-#}
{% macro security_invoker() %}
    {{ return(adapter.dispatch('security_invoker', 'cerebro')()) }}
{% endmacro %}

{% macro default__security_invoker() %}{% endmacro %}

{% macro postgres__security_invoker() %}
    {%- if execute and model.config.materialized == 'view' -%}
        alter view {{ this }} set (security_invoker = true)
    {%- endif -%}
{% endmacro %}
