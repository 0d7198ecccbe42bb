-- Per tenant, paid channel group and local day, the numbers behind the
-- brief's headline chart ("lo que dice la plataforma / el último clic vs lo
-- que dice tu modelo"): spend; the value the ad platform attributes to its own
-- ads; the revenue of valid orders that the click-based attribution models credit to
-- the channel (mart_channel_attribution_daily: last click, first click, linear,
-- position-based); the revenue the budget brain attributes to the channel and the new
-- customers it attributes, valued at the value of one of the channel's new customers
-- (mart_new_customer_value: their first 12 months, the figure the budget plan's
-- customer-value objective uses).
-- Days, so a page sums exactly its period's days (Canales' "Detalle por canal" sums the
-- same contributions over the same days) and computes any period's ROAS as sum / sum;
-- the day's ACOS (spend over the platform's attributed sales, Amazon's measure) is the
-- one ratio. A paid channel is one the tenant has ad spend for; its days are those with
-- spend, attributed revenue or a model contribution, so no period loses a day's credit.
with

ad_spend as (
    select * from {{ ref('fct_ad_spend_daily') }}
),

attribution as (
    select * from {{ ref('mart_channel_attribution_daily') }}
),

contributions as (
    select * from {{ ref('stg_ml__mmm_contributions') }}
    where component_kind = 'channel'
),

new_customer_values as (
    select * from {{ ref('mart_new_customer_value') }}
),

tenants as (
    select * from {{ ref('dim_tenants') }}
),

spend_daily as (
    select
        tenant_id,
        channel_group,
        spend_date as comparison_date,
        sum(spend_amount) as spend_amount,
        sum(platform_conversion_value_amount) as platform_value_amount
    from ad_spend
    group by 1, 2, 3
),

attribution_daily as (
    select
        tenant_id,
        channel_group,
        created_date as comparison_date,
        sum(last_touch_revenue_amount) as last_click_revenue_amount,
        sum(first_touch_revenue_amount) as first_click_revenue_amount,
        sum(linear_revenue_amount) as linear_revenue_amount,
        sum(position_based_revenue_amount) as position_based_revenue_amount
    from attribution
    group by 1, 2, 3
),

model_daily as (
    select
        tenant_id,
        component as channel_group,
        contribution_date as comparison_date,
        {{ sum_exact("case when target = 'revenue' then contribution else 0 end") }}
            as model_revenue_amount,
        {{ sum_exact("case when target = 'new_customers' then contribution else 0 end") }}
            as model_new_customers
    from contributions
    group by 1, 2, 3
),

paid_channels as (
    select distinct tenant_id, channel_group
    from spend_daily
),

channel_days as (
    select tenant_id, channel_group, comparison_date from spend_daily
    union
    select tenant_id, channel_group, comparison_date from attribution_daily
    union
    select tenant_id, channel_group, comparison_date from model_daily
),

combined as (
    select
        channel_days.tenant_id,
        channel_days.channel_group,
        channel_days.comparison_date,
        tenants.currency,
        coalesce(spend_daily.spend_amount, 0) as spend_amount,
        spend_daily.platform_value_amount,
        {{ safe_divide('spend_daily.spend_amount', 'spend_daily.platform_value_amount') }}
            as platform_acos,
        {%- for model in ['last_click', 'first_click', 'linear', 'position_based'] %}
        coalesce(attribution_daily.{{ model }}_revenue_amount, 0) as {{ model }}_revenue_amount,
        {%- endfor %}
        model_daily.model_revenue_amount,
        model_daily.model_new_customers,
        model_daily.model_new_customers * new_customer_values.customer_value_amount
            as model_customer_value_amount,
        new_customer_values.value_basis
    from channel_days
    inner join paid_channels
        on channel_days.tenant_id = paid_channels.tenant_id
        and channel_days.channel_group = paid_channels.channel_group
    inner join tenants
        on channel_days.tenant_id = tenants.tenant_id
    left join spend_daily
        on channel_days.tenant_id = spend_daily.tenant_id
        and channel_days.channel_group = spend_daily.channel_group
        and channel_days.comparison_date = spend_daily.comparison_date
    left join attribution_daily
        on channel_days.tenant_id = attribution_daily.tenant_id
        and channel_days.channel_group = attribution_daily.channel_group
        and channel_days.comparison_date = attribution_daily.comparison_date
    left join model_daily
        on channel_days.tenant_id = model_daily.tenant_id
        and channel_days.channel_group = model_daily.channel_group
        and channel_days.comparison_date = model_daily.comparison_date
    left join new_customer_values
        on channel_days.tenant_id = new_customer_values.tenant_id
        and channel_days.channel_group = new_customer_values.channel_group
)

select * from combined
