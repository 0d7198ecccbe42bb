{#- The time data health is measured at, as a UTC timestamp without a zone (the raw tables'
    `_sdc_batched_at` kind). The var `health_clock` fixes it (tests: a lag against a known
    clock); otherwise the current time, read when the query runs (a view's lag is then the
    reader's). `current_timestamp at time zone 'UTC'` is a timestamp without a zone in UTC
    on both PostgreSQL and DuckDB; Spark has no `at time zone` and its current_timestamp() is
    already in the session's zone, which the profile pins to UTC. -#}
{% macro health_clock() -%}
    {%- set fixed = var('health_clock', none) -%}
    {%- if fixed is not none -%}
        cast('{{ fixed }}' as timestamp)
    {%- else -%}
        {{ adapter.dispatch('utc_now', 'cerebro')() }}
    {%- endif -%}
{%- endmacro %}

{% macro default__utc_now() -%}
    cast(current_timestamp at time zone 'UTC' as timestamp)
{%- endmacro %}

{% macro spark__utc_now() -%}
    cast(current_timestamp() as timestamp)
{%- endmacro %}
