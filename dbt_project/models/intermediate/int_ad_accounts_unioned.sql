-- The accounts of every ad platform read through an API, in one shape, with the span of
-- days each tap has read (a day there without spend rows had no delivery). CSV exports have
-- no accounts here: only their rows say which days they cover.
with

meta_ads as (
    select * from {{ ref('stg_meta_ads__ad_accounts') }}
),

google_ads as (
    select * from {{ ref('stg_google_ads__accounts') }}
),

tiktok_ads as (
    select * from {{ ref('stg_tiktok_ads__advertisers') }}
),

amazon_ads as (
    select * from {{ ref('stg_amazon_ads__profiles') }}
),

mercadolibre_ads as (
    select * from {{ ref('stg_mercadolibre_ads__advertisers') }}
),

unioned as (
    select
        tenant_id, 'meta_ads' as platform, account_id, currency, account_timezone,
        report_start_date, report_end_date
    from meta_ads

    union all

    select
        tenant_id, 'google_ads' as platform, account_id, currency, account_timezone,
        report_start_date, report_end_date
    from google_ads

    union all

    select
        tenant_id, 'tiktok_ads' as platform, account_id, currency, account_timezone,
        report_start_date, report_end_date
    from tiktok_ads

    union all

    select
        tenant_id, 'amazon_ads' as platform, account_id, currency, account_timezone,
        report_start_date, report_end_date
    from amazon_ads

    union all

    select
        tenant_id, 'mercadolibre_ads' as platform, account_id, currency, account_timezone,
        report_start_date, report_end_date
    from mercadolibre_ads
)

select * from unioned
