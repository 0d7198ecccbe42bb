with

source as (
    select * from {{ not_quarantined('tiktok_ads', 'advertisers') }}
),

renamed as (
    select
        tenant_id,
        advertiser_id as account_id,
        advertiser_name as account_name,
        upper(currency) as currency,
        timezone as account_timezone,
        cast(report_start_date as date) as report_start_date,
        cast(report_end_date as date) as report_end_date,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
