with

source as (
    select * from {{ not_quarantined('mercadolibre_ads', 'campaign_reports') }}
),

renamed as (
    select
        tenant_id,
        advertiser_id as account_id,
        campaign_id,
        campaign_name,
        upper(campaign_status) as campaign_status,
        cast(date as date) as spend_date,
        upper(currency_code) as currency_original,
        upper(site_id) as site_id,
        cast(cost as {{ cerebro.type_amount() }}) as spend_amount_original,
        -- Mercado Ads calls an ad's impressions "prints".
        cast(prints as {{ dbt.type_bigint() }}) as impressions,
        cast(clicks as {{ dbt.type_bigint() }}) as clicks,
        cast(units_quantity as {{ dbt.type_bigint() }}) as platform_units,
        -- Sales on Mercado Libre Mercado Ads attributes to the ads: of the advertised item
        -- (direct) and of the seller's other items (indirect); total is their sum.
        cast(direct_amount as {{ cerebro.type_amount() }}) as platform_direct_sales_amount_original,
        cast(total_amount as {{ cerebro.type_amount() }}) as platform_sales_amount_original,
        _sdc_batched_at as loaded_at
    from source
),

rated as (
    {{ with_exchange_rate('renamed', 'currency_original', 'renamed.spend_date') }}
),

converted as (
    -- Amounts in the tenant's currency at the rate in force on the report's day (decision
    -- 0061): an advertiser on another site reports in its currency. The reported ones kept.
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
        site_id,
        {{ converted_amount('spend_amount_original') }} as spend_amount,
        spend_amount_original,
        impressions,
        clicks,
        platform_units,
        {{ converted_amount('platform_direct_sales_amount_original') }}
            as platform_direct_sales_amount,
        platform_direct_sales_amount_original,
        {{ converted_amount('platform_sales_amount_original') }} as platform_sales_amount,
        platform_sales_amount_original,
        loaded_at
    from rated
)

select * from converted
