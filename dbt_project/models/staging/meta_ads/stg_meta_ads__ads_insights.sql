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
        upper(account_currency) as currency,
        -- Meta cuts days at midnight of the ad account's timezone, not the tenant's.
        account_timezone,
        cast(spend as {{ cerebro.type_amount() }}) as spend_amount,
        cast(impressions as {{ dbt.type_bigint() }}) as impressions,
        cast(clicks as {{ dbt.type_bigint() }}) as clicks,
        cast(reach as {{ dbt.type_bigint() }}) as reach,
        -- Purchases as Meta attributes them (restated for up to 28 days; the tap re-reads them).
        cast(purchases as {{ cerebro.type_amount() }}) as platform_purchases,
        cast(purchase_value as {{ cerebro.type_amount() }}) as platform_purchase_value,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
