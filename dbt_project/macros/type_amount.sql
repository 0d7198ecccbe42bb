{#- The type staging gives landed numbers (amounts, platform-reported fractional counts).

    On DuckDB it is the type the Singer target lands JSON numbers as, DECIMAL(38, 9)
    (taps/target_cerebro_duckdb/connector.py, decision 0001), so the staging cast costs
    nothing: rescaling a 128-bit decimal to dbt's numeric(28, 6) took 10 of the 11
    CPU-seconds every read of stg_shopify__orders spent at the large benchmark size (5.7 M
    orders, six amounts), and staging views are read by every model and test above them. It also
    keeps the nine decimals landed instead of rounding them to six.

    On Spark the same DECIMAL(38, 9): dbt-spark's numeric is DECIMAL(28, 6), which would round
    the landed amounts (read from the Parquet landing as DECIMAL(38, 9)) to six decimals.

    On PostgreSQL, dbt's numeric type. -#}
{% macro type_amount() -%}
    {{ return(adapter.dispatch('type_amount', 'cerebro')()) }}
{%- endmacro %}

{% macro default__type_amount() -%}
    {{ return(dbt.type_numeric()) }}
{%- endmacro %}

{% macro duckdb__type_amount() -%}
    {{ return('decimal(38, 9)') }}
{%- endmacro %}

{% macro spark__type_amount() -%}
    {{ return('decimal(38, 9)') }}
{%- endmacro %}
