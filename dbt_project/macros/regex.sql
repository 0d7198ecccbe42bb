{#- Regular expressions across warehouses. Patterns are anchored (^…$) where a whole value
    must match, so DuckDB's `~` (a full match) and PostgreSQL's `~` (a search) agree; Spark
    has no `~` operator and writes a search as `rlike`. -#}
{% macro matches_regex(expression, pattern) -%}
    {{ return(adapter.dispatch('matches_regex', 'cerebro')(expression, pattern)) }}
{%- endmacro %}

{% macro default__matches_regex(expression, pattern) -%}
    {{ expression }} ~ {{ pattern }}
{%- endmacro %}

{% macro spark__matches_regex(expression, pattern) -%}
    {{ expression }} rlike {{ pattern }}
{%- endmacro %}

{#- The n-th captured group in a regexp_replace replacement: `\n` on DuckDB and PostgreSQL,
    `$n` on Spark (Java's syntax, where `\1` is a literal 1). -#}
{% macro regex_group(n) -%}
    {{ return(adapter.dispatch('regex_group', 'cerebro')(n)) }}
{%- endmacro %}

{% macro default__regex_group(n) -%}
    {{ return('\\' ~ n) }}
{%- endmacro %}

{% macro spark__regex_group(n) -%}
    {{ return('$' ~ n) }}
{%- endmacro %}

{#- Every match replaced: DuckDB and PostgreSQL replace the first one unless given the 'g'
    flag; Spark replaces all (its fourth argument is a start position, not flags). -#}
{% macro regexp_replace_all(expression, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_replace_all', 'cerebro')(expression, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regexp_replace_all(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, {{ pattern }}, {{ replacement }}, 'g')
{%- endmacro %}

{% macro spark__regexp_replace_all(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, {{ pattern }}, {{ replacement }})
{%- endmacro %}

{#- The whitespace class inside a pattern literal: POSIX `[[:space:]]` for DuckDB (RE2) and
    PostgreSQL; Java's regular expressions read that as a set of the letters s, p, a, c, e
    and want `\s` (written `\\s` in a Spark string literal, which unescapes backslashes). -#}
{% macro regex_space() -%}
    {{ return(adapter.dispatch('regex_space', 'cerebro')()) }}
{%- endmacro %}

{% macro default__regex_space() -%}
    {{ return('[[:space:]]') }}
{%- endmacro %}

{% macro spark__regex_space() -%}
    {{ return('\\\\s') }}
{%- endmacro %}
