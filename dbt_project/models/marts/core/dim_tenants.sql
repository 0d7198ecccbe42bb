{{ config(materialized='table') }}
{#- A table rebuilt whole on every run: the tenants file, a row per tenant; a tenant taken
    out of the file leaves at once. -#}
with

tenants as (
    select * from {{ ref('stg_cerebro_config__tenants') }}
)

select * from tenants
