-- Reported in Dagster as a check on fct_ad_spend_daily.
{{ config(meta={'dagster': {'ref': {'name': 'fct_ad_spend_daily'}}}) }}

-- Per tenant and platform, every staged ad spend row (Meta, Google, TikTok, Amazon, Mercado
-- Libre, CSV exports; staging has already left out the quarantined rows, decision 0012) is one
-- row of the fact, with the same spend to less than one minor unit of the tenant's currency.
-- Returns the tenants and platforms whose rows or spend differ.
with

tenants as (
    select * from {{ ref('dim_tenants') }}
),

staged_meta_ads as (
    select * from {{ ref('stg_meta_ads__ads_insights') }}
),

staged_google_ads as (
    select * from {{ ref('stg_google_ads__campaign_performance') }}
),

staged_tiktok_ads as (
    select * from {{ ref('stg_tiktok_ads__campaign_reports') }}
),

staged_amazon_ads as (
    select * from {{ ref('stg_amazon_ads__sp_campaigns') }}
),

staged_mercadolibre_ads as (
    select * from {{ ref('stg_mercadolibre_ads__campaign_reports') }}
),

staged_csv_ad_spend as (
    select * from {{ ref('stg_csv__ad_spend') }}
),

ad_spend as (
    select * from {{ ref('fct_ad_spend_daily') }}
),

summed_landed as (
    select tenant_id, 'meta_ads' as platform, count(*) as row_count, sum(spend_amount) as amount
    from staged_meta_ads
    group by 1, 2
    union all
    select tenant_id, 'google_ads' as platform, count(*) as row_count, sum(spend_amount) as amount
    from staged_google_ads
    group by 1, 2
    union all
    select tenant_id, 'tiktok_ads' as platform, count(*) as row_count, sum(spend_amount) as amount
    from staged_tiktok_ads
    group by 1, 2
    union all
    select tenant_id, 'amazon_ads' as platform, count(*) as row_count, sum(spend_amount) as amount
    from staged_amazon_ads
    group by 1, 2
    union all
    select
        tenant_id, 'mercadolibre_ads' as platform, count(*) as row_count,
        sum(spend_amount) as amount
    from staged_mercadolibre_ads
    group by 1, 2
    union all
    select tenant_id, platform, count(*) as row_count, sum(spend_amount) as amount
    from staged_csv_ad_spend
    group by 1, 2
),

summed_facts as (
    select tenant_id, platform, count(*) as row_count, sum(spend_amount) as amount
    from ad_spend
    group by 1, 2
),

compared as (
    select
        coalesce(summed_landed.tenant_id, summed_facts.tenant_id) as tenant_id,
        coalesce(summed_landed.platform, summed_facts.platform) as platform,
        coalesce(summed_landed.row_count, 0) as landed_rows,
        coalesce(summed_facts.row_count, 0) as facts_rows,
        coalesce(summed_landed.amount, 0) as landed_spend_amount,
        coalesce(summed_facts.amount, 0) as facts_spend_amount
    from summed_landed
    full outer join summed_facts
        on summed_landed.tenant_id = summed_facts.tenant_id
        and summed_landed.platform = summed_facts.platform
)

select compared.*
from compared
left join tenants
    on compared.tenant_id = tenants.tenant_id
where compared.landed_rows <> compared.facts_rows
    or not (
        abs(compared.landed_spend_amount - compared.facts_spend_amount)
        < {{ currency_minor_unit('tenants.currency') }}
    )
