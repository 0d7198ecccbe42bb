-- Per tenant, paid channel group and local month, the numbers behind the
-- brief's headline chart ("lo que dice la plataforma / el último clic vs lo
-- que dice tu modelo"): spend; the value the ad platform attributes to its own
-- ads; the revenue of valid orders that the click-based attribution models credit
-- to the channel (mart_channel_attribution_daily: last click, first click, linear,
-- position-based); the revenue the budget brain attributes to the channel and the new
-- customers it attributes, valued at the value of one of the channel's new customers
-- (mart_new_customer_value: their first 12 months, the figure the budget plan's customer-value
-- objective uses).
-- Sums, so a page computes any period's ROAS as sum / sum; the month's ACOS
-- (spend over the platform's attributed sales, Amazon's measure) is the one ratio.
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

spend_monthly as (
    select
        tenant_id,
        channel_group,
        cast({{ dbt.date_trunc('month', 'spend_date') }} as date) as month_start_date,
        sum(spend_amount) as spend_amount,
        sum(platform_conversion_value_amount) as platform_value_amount
    from ad_spend
    group by 1, 2, 3
),

attribution_monthly as (
    select
        tenant_id,
        channel_group,
        cast({{ dbt.date_trunc('month', 'created_date') }} as date) as month_start_date,
        sum(last_touch_revenue_amount) as last_click_revenue_amount,
        sum(first_touch_revenue_amount) as first_click_revenue_amount,
        sum(linear_revenue_amount) as linear_revenue_amount,
        sum(position_based_revenue_amount) as position_based_revenue_amount
    from attribution
    group by 1, 2, 3
),

model_monthly as (
    select
        tenant_id,
        component as channel_group,
        cast({{ dbt.date_trunc('month', 'contribution_date') }} as date) as month_start_date,
        {{ sum_exact("case when target = 'revenue' then contribution else 0 end") }}
            as model_revenue_amount,
        {{ sum_exact("case when target = 'new_customers' then contribution else 0 end") }}
            as model_new_customers
    from contributions
    group by 1, 2, 3
),

combined as (
    select
        spend_monthly.tenant_id,
        spend_monthly.channel_group,
        spend_monthly.month_start_date,
        tenants.currency,
        spend_monthly.spend_amount,
        spend_monthly.platform_value_amount,
        {{ safe_divide('spend_monthly.spend_amount', 'spend_monthly.platform_value_amount') }}
            as platform_acos,
        {%- for model in ['last_click', 'first_click', 'linear', 'position_based'] %}
        coalesce(attribution_monthly.{{ model }}_revenue_amount, 0) as {{ model }}_revenue_amount,
        {%- endfor %}
        model_monthly.model_revenue_amount,
        model_monthly.model_new_customers,
        model_monthly.model_new_customers * new_customer_values.customer_value_amount
            as model_customer_value_amount,
        new_customer_values.value_basis
    from spend_monthly
    inner join tenants
        on spend_monthly.tenant_id = tenants.tenant_id
    left join attribution_monthly
        on spend_monthly.tenant_id = attribution_monthly.tenant_id
        and spend_monthly.channel_group = attribution_monthly.channel_group
        and spend_monthly.month_start_date = attribution_monthly.month_start_date
    left join model_monthly
        on spend_monthly.tenant_id = model_monthly.tenant_id
        and spend_monthly.channel_group = model_monthly.channel_group
        and spend_monthly.month_start_date = model_monthly.month_start_date
    left join new_customer_values
        on spend_monthly.tenant_id = new_customer_values.tenant_id
        and spend_monthly.channel_group = new_customer_values.channel_group
)

select * from combined
