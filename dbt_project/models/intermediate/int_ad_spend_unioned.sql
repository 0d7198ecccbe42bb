-- Daily spend of every ad platform in one shape, with its channel group.
with

meta_ads as (
    select * from {{ ref('stg_meta_ads__ads_insights') }}
),

google_ads as (
    select * from {{ ref('stg_google_ads__campaign_performance') }}
),

tiktok_ads as (
    select * from {{ ref('stg_tiktok_ads__campaign_reports') }}
),

amazon_ads as (
    select * from {{ ref('stg_amazon_ads__sp_campaigns') }}
),

mercadolibre_ads as (
    select * from {{ ref('stg_mercadolibre_ads__campaign_reports') }}
),

csv_ad_spend as (
    select * from {{ ref('stg_csv__ad_spend') }}
),

ad_platforms as (
    select * from {{ ref('ad_platforms') }}
),

unioned as (
    -- What each platform says its ads earned (its own attribution): Meta's and TikTok's
    -- purchases and their value, Google's conversions and their value, Amazon's 7-day
    -- attributed purchases and sales (on Amazon: ACOS divides spend by them), Mercado Ads'
    -- units sold and their sales on Mercado Libre; a CSV export reports none. The count and the
    -- value of each platform are the same conversions. Amounts are in the tenant's currency
    -- (staging converts them), the billed spend and its currency beside.
    select
        tenant_id, 'meta_ads' as platform, account_id, campaign_id, campaign_name, spend_date,
        currency, currency_original, exchange_rate, spend_amount, spend_amount_original,
        impressions, clicks,
        platform_purchase_value as platform_conversion_value_amount,
        cast(platform_purchases as {{ type_double() }}) as platform_conversions
    from meta_ads

    union all

    select
        tenant_id, 'google_ads' as platform, account_id, campaign_id, campaign_name, spend_date,
        currency, currency_original, exchange_rate, spend_amount, spend_amount_original,
        impressions, clicks,
        platform_conversions_value as platform_conversion_value_amount,
        cast(platform_conversions as {{ type_double() }}) as platform_conversions
    from google_ads

    union all

    select
        tenant_id, 'tiktok_ads' as platform, account_id, campaign_id, campaign_name, spend_date,
        currency, currency_original, exchange_rate, spend_amount, spend_amount_original,
        impressions, clicks,
        platform_purchase_value as platform_conversion_value_amount,
        cast(platform_purchases as {{ type_double() }}) as platform_conversions
    from tiktok_ads

    union all

    select
        tenant_id, 'amazon_ads' as platform, account_id, campaign_id, campaign_name, spend_date,
        currency, currency_original, exchange_rate, spend_amount, spend_amount_original,
        impressions, clicks,
        platform_sales_7d_amount as platform_conversion_value_amount,
        cast(platform_purchases_7d as {{ type_double() }}) as platform_conversions
    from amazon_ads

    union all

    select
        tenant_id, 'mercadolibre_ads' as platform, account_id, campaign_id, campaign_name,
        spend_date, currency, currency_original, exchange_rate, spend_amount,
        spend_amount_original, impressions, clicks,
        platform_sales_amount as platform_conversion_value_amount,
        cast(platform_units as {{ type_double() }}) as platform_conversions
    from mercadolibre_ads

    union all

    select
        tenant_id, platform, account_id, cast(null as {{ dbt.type_string() }}) as campaign_id,
        campaign_name, spend_date, currency, currency_original, exchange_rate, spend_amount,
        spend_amount_original, impressions, clicks,
        cast(null as {{ cerebro.type_amount() }}) as platform_conversion_value_amount,
        cast(null as {{ type_double() }}) as platform_conversions
    from csv_ad_spend
),

labelled as (
    select
        unioned.tenant_id,
        unioned.platform,
        coalesce(ad_platforms.channel_group, 'Otro') as channel_group,
        unioned.account_id,
        unioned.campaign_id,
        unioned.campaign_name,
        unioned.spend_date,
        unioned.currency,
        unioned.currency_original,
        unioned.exchange_rate,
        unioned.spend_amount,
        unioned.spend_amount_original,
        unioned.impressions,
        unioned.clicks,
        unioned.platform_conversion_value_amount,
        unioned.platform_conversions
    from unioned
    left join ad_platforms
        on unioned.platform = ad_platforms.platform
)

select * from labelled
