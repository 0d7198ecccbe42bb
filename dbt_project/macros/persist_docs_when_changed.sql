{#-
    persist_docs on PostgreSQL, writing only the comments that differ from the catalog's.
    dbt's own writes the relation's and every column's comment after each run, after listing
    the columns twice; an incremental model's comments survive its runs, so a partition run
    rewrote the same text on every incremental model (166 statements and 80 column listings a
    one-tenant partition, each a catalog update and a round trip; decision 0043). One query
    reads the relation's current comments; a relation dbt has just created has none, and gets
    them all, as before. An empty description and no comment are the same thing to
    PostgreSQL (`comment ... is ''` removes it). The statements are dbt-postgres' own
    (postgres__alter_relation_comment, and its column comment with the same quoting rule).
-#}
{% macro postgres__persist_docs(relation, model, for_relation, for_columns) -%}
    {%- set document_relation = for_relation and config.persist_relation_docs()
        and model.description -%}
    {%- set document_columns = for_columns and config.persist_column_docs() and model.columns -%}
    {%- if document_relation or document_columns -%}
        {%- set current = current_comments(relation) -%}
        {%- if document_relation
            and (current.relation or '') != model.description -%}
            {%- do run_query(alter_relation_comment(relation, model.description)) -%}
        {%- endif -%}
        {%- if document_columns -%}
            {%- set documented = validate_doc_columns(
                relation, model.columns, current.columns.keys() | list) -%}
            {%- set statements = [] -%}
            {%- for column_name, column in documented.items() -%}
                {%- set key = column_name if column['quote'] else column_name | lower -%}
                {%- if (current.columns.get(key) or '') != (column['description'] or '') -%}
                    {%- do statements.append(
                        'comment on column ' ~ relation ~ '.'
                        ~ (adapter.quote(column_name) if column['quote'] else column_name)
                        ~ ' is ' ~ postgres_escape_comment(column['description']) ~ ';') -%}
                {%- endif -%}
            {%- endfor -%}
            {%- if statements -%}
                {%- do run_query(statements | join('\n')) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}


{#- The relation's comment and its columns' comments (None where there is none), by name. -#}
{% macro current_comments(relation) -%}
    {%- set query -%}
        select attribute.attname as column_name, pg_catalog.col_description(
                relation.oid, attribute.attnum) as column_comment,
            pg_catalog.obj_description(relation.oid, 'pg_class') as relation_comment
        from pg_catalog.pg_class as relation
        inner join pg_catalog.pg_namespace as relation_schema
            on relation_schema.oid = relation.relnamespace
        inner join pg_catalog.pg_attribute as attribute
            on attribute.attrelid = relation.oid
        where relation.relname = '{{ relation.identifier }}'
            and relation_schema.nspname = '{{ relation.schema }}'
            and attribute.attnum > 0
            and not attribute.attisdropped
        order by attribute.attnum
    {%- endset -%}
    {%- set rows = run_query(query) -%}
    {%- set columns = {} -%}
    {%- for row in rows -%}
        {%- do columns.update({row['column_name']: row['column_comment']}) -%}
    {%- endfor -%}
    {{ return({
        'relation': rows[0]['relation_comment'] if rows | length > 0 else none,
        'columns': columns,
    }) }}
{%- endmacro %}
