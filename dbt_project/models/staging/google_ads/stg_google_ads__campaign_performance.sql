with

source as (
    select * from {{ not_quarantined('google_ads', 'campaign_performance') }}
),

renamed as (
    select
        tenant_id,
        account_id,
        campaign_id,
        campaign_name,
        upper(advertising_channel_type) as advertising_channel_type,
        cast(date as date) as spend_date,
        upper(currency_code) as currency_original,
        -- segments.date is a day of the account's timezone, not the tenant's.
        time_zone as account_timezone,
        -- Google Ads reports cost in millionths of the account currency. Cast after the
        -- division too: DuckDB divides decimals into a double, PostgreSQL keeps numeric.
        cast(cast(cost_micros as {{ cerebro.type_amount() }}) / 1000000 as {{ cerebro.type_amount() }})
            as spend_amount_original,
        cast(impressions as {{ dbt.type_bigint() }}) as impressions,
        cast(clicks as {{ dbt.type_bigint() }}) as clicks,
        cast(conversions as {{ cerebro.type_amount() }}) as platform_conversions,
        cast(conversions_value as {{ cerebro.type_amount() }}) as platform_conversions_value_original,
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
        advertising_channel_type,
        spend_date,
        {{ converted_currency('currency_original') }} as currency,
        currency_original,
        exchange_rate,
        account_timezone,
        {{ converted_amount('spend_amount_original') }} as spend_amount,
        spend_amount_original,
        impressions,
        clicks,
        platform_conversions,
        {{ converted_amount('platform_conversions_value_original') }} as platform_conversions_value,
        platform_conversions_value_original,
        loaded_at
    from rated
)

select * from converted
