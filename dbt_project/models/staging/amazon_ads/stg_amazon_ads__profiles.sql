with

source as (
    select * from {{ not_quarantined('amazon_ads', 'profiles') }}
),

renamed as (
    select
        tenant_id,
        profile_id as account_id,
        account_name,
        lower(account_type) as account_type,
        upper(country_code) as marketplace_country_code,
        marketplace_id,
        upper(currency_code) as currency,
        timezone as account_timezone,
        cast(report_start_date as date) as report_start_date,
        cast(report_end_date as date) as report_end_date,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
