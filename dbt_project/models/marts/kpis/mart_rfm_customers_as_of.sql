{{
    config(
        materialized=('ephemeral' if target.type == 'spark' else 'table_function'),
        parameters=['for_tenant text', 'as_of date'],
        persist_docs={'relation': false, 'columns': false},
    )
}}
{#- No comments on the function: dbt-duckdb would comment it as a view, which it is not.
    Not built on Spark yet (ephemeral: nothing to read): Spark has no table_function
    materialization (decision 0039). -#}
-- RFM of one tenant's customers as of any date (docs: kpi_rfm; macro rfm_ctes, the same
-- scoring as mart_rfm_customers): `select * from marts.mart_rfm_customers_as_of(tenant,
-- date)`. A function, not a table: scores are quintiles over every customer as of the
-- date, so a table would hold every customer once per day (materialization
-- table_function: a table macro on DuckDB, a SQL function on PostgreSQL). Relations are
-- named without the database: DuckDB binds a macro's tables when it is called, in the
-- caller's catalog, whatever the file was named when dbt built it.
with

customer_orders as (
    select * from {{ ref('mart_customer_orders_daily').include(database=False) }}
    where tenant_id = for_tenant
),

customers as (
    select * from {{ ref('dim_customers').include(database=False) }}
    where tenant_id = for_tenant
),

rfm_segments as (
    select * from {{ ref('dim_rfm_segments').include(database=False) }}
),

as_of_dates as (
    select for_tenant as tenant_id, as_of as as_of_date
),

{{ rfm_ctes('customer_orders', 'customers', 'rfm_segments', 'as_of_dates') }}

select * from rfm_segmented
