with

source as (
    select * from {{ not_quarantined('mercadolibre_ads', 'advertisers') }}
),

renamed as (
    select
        tenant_id,
        advertiser_id as account_id,
        advertiser_name as account_name,
        upper(site_id) as site_id,
        upper(currency) as currency,
        -- The site's time zone: Product Ads cuts its days there (decision 0068).
        timezone as account_timezone,
        cast(report_start_date as date) as report_start_date,
        cast(report_end_date as date) as report_end_date,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
