{{ config(partition_date_column='spend_date') }}

with

ad_spend as (
    select * from {{ ref('int_ad_spend_unioned') }}
)

select
    tenant_id,
    spend_date,
    platform,
    channel_group,
    account_id,
    campaign_id,
    campaign_name,
    currency,
    spend_amount,
    impressions,
    clicks,
    platform_conversion_value_amount,
    platform_conversions,
    currency_original,
    exchange_rate,
    spend_amount_original
from ad_spend
where {{ in_partition_window('spend_date') }}
