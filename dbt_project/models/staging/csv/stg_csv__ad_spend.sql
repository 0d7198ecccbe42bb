with

source as (
    select * from {{ not_quarantined('csv', 'ad_spend') }}
),

renamed as (
    select
        tenant_id,
        lower(trim(platform)) as platform,
        account_id,
        campaign_name,
        cast(date as date) as spend_date,
        upper(currency) as currency_original,
        cast(spend as {{ cerebro.type_amount() }}) as spend_amount_original,
        cast(impressions as {{ dbt.type_bigint() }}) as impressions,
        cast(clicks as {{ dbt.type_bigint() }}) as clicks,
        source_file,
        _sdc_batched_at as loaded_at
    from source
),

rated as (
    {{ with_exchange_rate('renamed', 'currency_original', 'renamed.spend_date') }}
),

converted as (
    -- Spend in the tenant's currency at the rate in force on its day (decision 0061), the
    -- exported amount kept beside it.
    select
        tenant_id,
        platform,
        account_id,
        campaign_name,
        spend_date,
        {{ converted_currency('currency_original') }} as currency,
        currency_original,
        exchange_rate,
        {{ converted_amount('spend_amount_original') }} as spend_amount,
        spend_amount_original,
        impressions,
        clicks,
        source_file,
        loaded_at
    from rated
)

select * from converted
