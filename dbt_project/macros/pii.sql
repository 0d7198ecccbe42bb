{#- Personal data in the marts (docs/decisions/0014): e-mail and phone are kept
    in clear only in the contacts export mart; everywhere else they travel as the
    SHA-256 of their normalized form, which joins tables and matches ad-platform
    audiences (Meta and Google hash customer lists the same way) without
    exposing the value. -#}

{#- An e-mail as it is hashed: trimmed, lower-cased, NULL when empty. -#}
{% macro normalize_email(expression) -%}
    nullif(lower(trim({{ expression }})), '')
{%- endmacro %}

{#- A phone as it is hashed: its digits after a leading '+' (E.164 style,
    '+56 9 1234-5678' -> '+56912345678'); NULL when it has no digit. A number
    typed without its country code keeps its digits as they are: guessing the
    country would hash two different people's numbers alike. -#}
{% macro normalize_phone(expression) -%}
    '+' || nullif({{ cerebro.regexp_replace_all(expression, "'[^0-9]'", "''") }}, '')
{%- endmacro %}

{#- Lowercase hexadecimal SHA-256 of a text expression's UTF-8 bytes; NULL
    stays NULL. -#}
{% macro sha256_hex(expression) -%}
    {{ return(adapter.dispatch('sha256_hex', 'cerebro')(expression)) }}
{%- endmacro %}

{#- No portable SQL spelling exists: each warehouse needs its own branch. -#}
{% macro default__sha256_hex(expression) -%}
    {{ exceptions.raise_compiler_error(
        "sha256_hex has no implementation for the " ~ adapter.type() ~ " adapter") }}
{%- endmacro %}

{#- DuckDB's sha256(varchar) hashes the string's UTF-8 bytes and returns hex. -#}
{% macro duckdb__sha256_hex(expression) -%}
    sha256(cast({{ expression }} as varchar))
{%- endmacro %}

{#- PostgreSQL's sha256() takes bytea: convert_to gives the UTF-8 bytes
    whatever the client encoding, encode(…, 'hex') the lowercase hex. -#}
{% macro postgres__sha256_hex(expression) -%}
    encode(sha256(convert_to(cast({{ expression }} as text), 'UTF8')), 'hex')
{%- endmacro %}

{#- Spark's sha2(…, 256) hashes a string's UTF-8 bytes and returns lowercase hex. -#}
{% macro spark__sha256_hex(expression) -%}
    sha2(cast({{ expression }} as string), 256)
{%- endmacro %}

{#- The hashes the marts carry instead of the clear values. -#}
{% macro email_sha256(expression) -%}
    {{ cerebro.sha256_hex(cerebro.normalize_email(expression)) }}
{%- endmacro %}

{% macro phone_sha256(expression) -%}
    {{ cerebro.sha256_hex(cerebro.normalize_phone(expression)) }}
{%- endmacro %}
