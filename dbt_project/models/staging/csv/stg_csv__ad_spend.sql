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
        upper(currency) as currency,
        cast(spend as {{ cerebro.type_amount() }}) as spend_amount,
        cast(impressions as {{ dbt.type_bigint() }}) as impressions,
        cast(clicks as {{ dbt.type_bigint() }}) as clicks,
        source_file,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
