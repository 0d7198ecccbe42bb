with

source as (
    select * from {{ source('cerebro_config', 'tenants') }}
),

renamed as (
    select
        tenant_id,
        tenant_name,
        timezone,
        upper(currency) as currency,
        upper(country_code) as country_code
    from source
)

select * from renamed
