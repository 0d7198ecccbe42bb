with

source as (
    select * from {{ not_quarantined('google_ads', 'accounts') }}
),

renamed as (
    select
        tenant_id,
        account_id,
        upper(currency_code) as currency,
        time_zone as account_timezone,
        cast(report_start_date as date) as report_start_date,
        cast(report_end_date as date) as report_end_date,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
