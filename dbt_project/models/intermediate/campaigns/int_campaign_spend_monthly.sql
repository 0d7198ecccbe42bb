-- One row per tenant, channel group, ad campaign (int_ad_campaigns' key) and local month with
-- spend: the spend and what the platform reports (impressions, clicks, its conversions and
-- their value).
-- Incremental, rebuilt per tenant, as int_campaign_touches: PostgreSQL estimates this join on
-- five columns at a handful of rows, so int_campaign_paybacks, reading it as a view, joined it
-- to the cohorts' margins in a nested loop (its tests 80 s at the agency size); a table has
-- statistics.
{{ config(materialized='incremental') }}

with

ad_spend as (
    select * from {{ ref('fct_ad_spend_daily') }}
    where {{ in_partition_tenants() }}
),

ad_campaigns as (
    select * from {{ ref('int_ad_campaigns') }}
    where {{ in_partition_tenants() }}
),

monthly as (
    select
        ad_spend.tenant_id,
        ad_campaigns.channel_group,
        ad_campaigns.campaign_key,
        cast({{ dbt.date_trunc('month', 'ad_spend.spend_date') }} as date) as month_start_date,
        min(ad_campaigns.campaign_display_name) as campaign_name,
        sum(ad_spend.spend_amount) as spend_amount,
        sum(ad_spend.impressions) as impressions,
        sum(ad_spend.clicks) as clicks,
        sum(ad_spend.platform_conversions) as platform_conversions,
        sum(ad_spend.platform_conversion_value_amount) as platform_conversion_value_amount
    from ad_spend
    inner join ad_campaigns
        on ad_spend.tenant_id = ad_campaigns.tenant_id
        and ad_spend.platform = ad_campaigns.platform
        and coalesce(ad_spend.campaign_id, '') = coalesce(ad_campaigns.campaign_id, '')
        and (ad_spend.campaign_id is null) = (ad_campaigns.campaign_id is null)
        and ad_spend.campaign_name = ad_campaigns.campaign_name
    group by 1, 2, 3, 4
)

select * from monthly
