{#- The character of a Unicode code point, as an SQL expression. Spark's chr() takes the code
    modulo 256 (chr(8217) is a control character, not ’), so Spark gets a `\uXXXX` string
    literal, which its parser unescapes. -#}
{% macro unicode_char(code) -%}
    {{ return(adapter.dispatch('unicode_char', 'cerebro')(code)) }}
{%- endmacro %}

{% macro default__unicode_char(code) -%}
    {{ return('chr(' ~ code ~ ')') }}
{%- endmacro %}

{% macro spark__unicode_char(code) -%}
    {{ return("'\\u" ~ ('%04x' | format(code)) ~ "'") }}
{%- endmacro %}
