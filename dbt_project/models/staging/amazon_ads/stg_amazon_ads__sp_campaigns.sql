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
        upper(currency_code) as currency_original,
        upper(country_code) as marketplace_country_code,
        -- Amazon reports days of the profile's (marketplace's) time zone, not the tenant's.
        timezone as account_timezone,
        cast(cost as {{ cerebro.type_amount() }}) as spend_amount_original,
        cast(impressions as {{ dbt.type_bigint() }}) as impressions,
        cast(clicks as {{ dbt.type_bigint() }}) as clicks,
        -- Sales on Amazon attributed to the ads within 7 and 14 days of a click (restated for
        -- up to 28 days after the sale; the tap re-reads 42 days).
        cast(purchases_7d as {{ dbt.type_bigint() }}) as platform_purchases_7d,
        cast(sales_7d as {{ cerebro.type_amount() }}) as platform_sales_7d_amount_original,
        cast(purchases_14d as {{ dbt.type_bigint() }}) as platform_purchases_14d,
        cast(sales_14d as {{ cerebro.type_amount() }}) as platform_sales_14d_amount_original,
        _sdc_batched_at as loaded_at
    from source
),

rated as (
    {{ with_exchange_rate('renamed', 'currency_original', 'renamed.spend_date') }}
),

converted as (
    -- Amounts in the tenant's currency at the rate in force on the report's day (decision
    -- 0061): a US marketplace's profile reports in USD. The reported ones are kept beside.
    select
        tenant_id,
        account_id,
        campaign_id,
        campaign_name,
        campaign_status,
        spend_date,
        {{ converted_currency('currency_original') }} as currency,
        currency_original,
        exchange_rate,
        marketplace_country_code,
        account_timezone,
        {{ converted_amount('spend_amount_original') }} as spend_amount,
        spend_amount_original,
        impressions,
        clicks,
        platform_purchases_7d,
        {{ converted_amount('platform_sales_7d_amount_original') }} as platform_sales_7d_amount,
        platform_sales_7d_amount_original,
        platform_purchases_14d,
        {{ converted_amount('platform_sales_14d_amount_original') }} as platform_sales_14d_amount,
        platform_sales_14d_amount_original,
        loaded_at
    from rated
)

select * from converted
