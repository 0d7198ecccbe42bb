{#- UTC -> tenant-local time (KPIS.md: periods and hours are local).
    `utc_timestamp` is a naive timestamp holding UTC; `timezone` is an IANA
    name, as a column or a quoted literal ("'America/Santiago'"). The result is
    the naive local wall-clock time, daylight saving time included, and does
    not depend on the session's TimeZone setting. -#}

{% macro to_local_timestamp(utc_timestamp, timezone) -%}
    {{ return(adapter.dispatch('to_local_timestamp', 'cerebro')(utc_timestamp, timezone)) }}
{%- endmacro %}

{#- The SQL-standard form: `at time zone 'UTC'` reads the naive value as UTC
    (giving a timestamptz), the second `at time zone` renders that instant as
    wall-clock time in the target zone. PostgreSQL and DuckDB (through its
    built-in ICU extension, where it is timezone(tz, timezone('UTC', ts)))
    both accept it with the same meaning, so they share this branch; other
    warehouses (BigQuery, Snowflake, Spark) need their own. -#}
{% macro default__to_local_timestamp(utc_timestamp, timezone) -%}
    (({{ utc_timestamp }}) at time zone 'UTC') at time zone {{ timezone }}
{%- endmacro %}

{#- Spark has no `at time zone`: from_utc_timestamp reads the naive value as UTC and gives
    the wall-clock time in the zone (a timestamp_ntz in, the session's timestamp type out). -#}
{% macro spark__to_local_timestamp(utc_timestamp, timezone) -%}
    cast(from_utc_timestamp(cast({{ utc_timestamp }} as timestamp), {{ timezone }}) as timestamp_ntz)
{%- endmacro %}

{#- Local calendar date of a UTC timestamp. -#}
{% macro to_local_date(utc_timestamp, timezone) -%}
    cast({{ cerebro.to_local_timestamp(utc_timestamp, timezone) }} as date)
{%- endmacro %}

{#- Local hour of day, 0..23, as an integer: extract() returns numeric on
    PostgreSQL 14+ and bigint on DuckDB, hence the cast. -#}
{% macro local_hour(utc_timestamp, timezone) -%}
    cast(extract(hour from {{ cerebro.to_local_timestamp(utc_timestamp, timezone) }}) as integer)
{%- endmacro %}
