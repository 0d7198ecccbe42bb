with

source as (
    select * from {{ not_quarantined('meta_ads', 'ads_insights') }}
),

renamed as (
    select
        tenant_id,
        account_id,
        campaign_id,
        campaign_name,
        cast(date_start as date) as spend_date,
        -- The ad account's billing currency (a Chilean store's account may bill in USD).
        upper(account_currency) as currency_original,
        -- Meta cuts days at midnight of the ad account's timezone, not the tenant's.
        account_timezone,
        cast(spend as {{ cerebro.type_amount() }}) as spend_amount_original,
        cast(impressions as {{ dbt.type_bigint() }}) as impressions,
        cast(clicks as {{ dbt.type_bigint() }}) as clicks,
        cast(reach as {{ dbt.type_bigint() }}) as reach,
        -- Purchases as Meta attributes them (restated for up to 28 days; the tap re-reads them).
        cast(purchases as {{ cerebro.type_amount() }}) as platform_purchases,
        cast(purchase_value as {{ cerebro.type_amount() }}) as platform_purchase_value_original,
        _sdc_batched_at as loaded_at
    from source
),

rated as (
    {{ with_exchange_rate('renamed', 'currency_original', 'renamed.spend_date') }}
),

converted as (
    -- Amounts in the tenant's currency at the rate in force on the report's day (decision
    -- 0061), the billed ones kept beside them.
    select
        tenant_id,
        account_id,
        campaign_id,
        campaign_name,
        spend_date,
        {{ converted_currency('currency_original') }} as currency,
        currency_original,
        exchange_rate,
        account_timezone,
        {{ converted_amount('spend_amount_original') }} as spend_amount,
        spend_amount_original,
        impressions,
        clicks,
        reach,
        platform_purchases,
        {{ converted_amount('platform_purchase_value_original') }} as platform_purchase_value,
        platform_purchase_value_original,
        loaded_at
    from rated
)

select * from converted
