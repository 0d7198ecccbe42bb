with

source as (
    select * from {{ not_quarantined('calendar', 'events') }}
),

renamed as (
    select
        tenant_id,
        upper(country_code) as country_code,
        cast(event_date as date) as event_date,
        event_name,
        lower(event_type) as event_type,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
