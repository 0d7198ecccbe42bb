{{ config(partition_date_column='spend_date') }}

-- Ad spend per local day and channel group, every platform and campaign together: what the
-- Canales page sums over a period (docs: kpi_channel_spend).
with

ad_spend as (
    select * from {{ ref('fct_ad_spend_daily') }}
    where {{ in_partition_window('spend_date') }}
),

aggregated as (
    select
        ad_spend.tenant_id,
        ad_spend.spend_date,
        ad_spend.channel_group,
        sum(ad_spend.spend_amount) as spend_amount,
        sum(ad_spend.impressions) as impressions,
        sum(ad_spend.clicks) as clicks
    from ad_spend
    group by 1, 2, 3
)

select * from aggregated
