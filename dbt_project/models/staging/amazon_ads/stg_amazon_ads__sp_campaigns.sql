with

source as (
    select * from {{ not_quarantined('amazon_ads', 'sp_campaigns') }}
),

renamed as (
    select
        tenant_id,
        profile_id as account_id,
        campaign_id,
        campaign_name,
        upper(campaign_status) as campaign_status,
        cast(date as date) as spend_date,
        upper(currency_code) as currency,
        upper(country_code) as marketplace_country_code,
        -- Amazon reports days of the profile's (marketplace's) time zone, not the tenant's.
        timezone as account_timezone,
        cast(cost as {{ cerebro.type_amount() }}) as spend_amount,
        cast(impressions as {{ dbt.type_bigint() }}) as impressions,
        cast(clicks as {{ dbt.type_bigint() }}) as clicks,
        -- Sales on Amazon attributed to the ads within 7 and 14 days of a click (restated for
        -- up to 28 days after the sale; the tap re-reads 42 days).
        cast(purchases_7d as {{ dbt.type_bigint() }}) as platform_purchases_7d,
        cast(sales_7d as {{ cerebro.type_amount() }}) as platform_sales_7d_amount,
        cast(purchases_14d as {{ dbt.type_bigint() }}) as platform_purchases_14d,
        cast(sales_14d as {{ cerebro.type_amount() }}) as platform_sales_14d_amount,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
