-- Per tenant and acquisition channel, the value of the customers it brought
-- over the last var('insights_lookback_months') months of data: new
-- customers, spend, mean LTV per new customer (historical value to date +
-- predicted 12-month CLV, KPIS.md `ltv_cac`) and LTV-ROAS. The window ends in
-- the month of the tenant's data cut-off, so insights move with the data.
-- Channels with at least var('insights_min_new_customers') new customers are
-- ranked by LTV per customer and, when they have spend, by LTV-ROAS.
{%- set min_customers = var('insights_min_new_customers') %}

with

channel_value as (
    select * from {{ ref('mart_channel_value_monthly') }}
),

cutoffs as (
    select * from {{ ref('int_tenant_data_cutoffs') }}
),

tenants as (
    select * from {{ ref('dim_tenants') }}
),

windows as (
    select
        tenant_id,
        cast({{ dbt.dateadd('month', 1 - var('insights_lookback_months'),
            dbt.date_trunc('month', 'data_cutoff_date')) }} as date) as window_start_date,
        data_cutoff_date as window_end_date
    from cutoffs
),

summed as (
    select
        channel_value.tenant_id,
        channel_value.channel_group,
        min(windows.window_start_date) as window_start_date,
        min(windows.window_end_date) as window_end_date,
        sum(channel_value.spend_amount) as spend_amount,
        sum(channel_value.new_customers) as new_customers,
        sum(channel_value.first_order_amount) as first_order_amount,
        sum(channel_value.historical_net_amount) as historical_net_amount,
        {{ sum_exact('channel_value.predicted_clv_12m_amount') }} as predicted_clv_12m_amount
    from channel_value
    inner join windows
        on channel_value.tenant_id = windows.tenant_id
        and channel_value.month_start_date between windows.window_start_date and windows.window_end_date
    group by 1, 2
),

valued as (
    select
        summed.*,
        {{ safe_divide('summed.historical_net_amount + summed.predicted_clv_12m_amount', 'summed.new_customers') }}
            as ltv_per_customer_amount,
        {{ safe_divide('summed.first_order_amount + summed.predicted_clv_12m_amount', 'summed.spend_amount') }}
            as ltv_roas,
        {{ safe_divide('summed.first_order_amount', 'summed.spend_amount') }} as first_order_roas,
        summed.new_customers >= {{ min_customers }} as is_rankable,
        {{ safe_divide(
            sum_exact('summed.historical_net_amount + summed.predicted_clv_12m_amount', over='partition by summed.tenant_id'),
            'sum(summed.new_customers) over (partition by summed.tenant_id)'
        ) }} as tenant_ltv_per_customer_amount
    from summed
),

ranked as (
    select
        valued.*,
        case when is_rankable then row_number() over (
            partition by tenant_id, is_rankable order by ltv_per_customer_amount desc, channel_group
        ) end as ltv_rank,
        case when is_rankable and spend_amount > 0 then row_number() over (
            partition by tenant_id, is_rankable and spend_amount > 0 order by ltv_roas desc, channel_group
        ) end as ltv_roas_rank,
        case when is_rankable and spend_amount > 0 then count(*) over (
            partition by tenant_id, is_rankable and spend_amount > 0
        ) end as ltv_roas_ranked_channels
    from valued
)

select
    ranked.tenant_id,
    ranked.channel_group,
    ranked.window_start_date,
    ranked.window_end_date,
    tenants.currency,
    ranked.spend_amount,
    ranked.new_customers,
    ranked.first_order_amount,
    ranked.historical_net_amount,
    ranked.predicted_clv_12m_amount,
    ranked.ltv_per_customer_amount,
    ranked.tenant_ltv_per_customer_amount,
    ranked.ltv_roas,
    ranked.first_order_roas,
    ranked.ltv_rank,
    ranked.ltv_roas_rank,
    ranked.ltv_roas_ranked_channels
from ranked
inner join tenants
    on ranked.tenant_id = tenants.tenant_id
