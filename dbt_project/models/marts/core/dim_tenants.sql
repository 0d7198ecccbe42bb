with

tenants as (
    select * from {{ ref('stg_cerebro_config__tenants') }}
)

select * from tenants
