with

source as (
    select * from {{ not_quarantined('tiktok_ads', 'campaign_reports') }}
),

renamed as (
    select
        tenant_id,
        advertiser_id as account_id,
        campaign_id,
        campaign_name,
        cast(stat_date as date) as spend_date,
        upper(currency) as currency,
        -- TikTok reports days of the advertiser's time zone, not the tenant's.
        timezone as account_timezone,
        cast(spend as {{ cerebro.type_amount() }}) as spend_amount,
        cast(impressions as {{ dbt.type_bigint() }}) as impressions,
        cast(clicks as {{ dbt.type_bigint() }}) as clicks,
        -- As TikTok attributes them (restated for up to 28 days; the tap re-reads them):
        -- the campaign's optimization event, website purchases and their value.
        cast(conversions as {{ cerebro.type_amount() }}) as platform_conversions,
        cast(purchases as {{ cerebro.type_amount() }}) as platform_purchases,
        cast(purchase_value as {{ cerebro.type_amount() }}) as platform_purchase_value,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
