-- Campaigns on the Canales page and in `cerebro kpis campaigns` (doc block
-- kpi_campaign_performance): per tenant, channel group, campaign and local month, the spend
-- and what the platform reports, first- and last-click revenue, the month's new customers and
-- their predicted value, P(alive) and early repurchase, CAC and payback. Sums are kept beside
-- the ratios so any period reads sum(numerator) / sum(denominator).
with

monthly_spend as (
    select * from {{ ref('int_campaign_spend_monthly') }}
),

clicks as (
    select * from {{ ref('int_campaign_touches') }}
    where touch_type in ('first_click', 'last_click')
),

new_customers as (
    select * from {{ ref('int_campaign_new_customers') }}
),

customer_value as (
    select * from {{ ref('mart_customer_value') }}
),

payback as (
    select * from {{ ref('int_campaign_paybacks') }}
),

monthly_clicks as (
    select
        clicks.tenant_id,
        clicks.channel_group,
        clicks.campaign_key,
        cast({{ dbt.date_trunc('month', 'clicks.touch_date') }} as date) as month_start_date,
        min(clicks.campaign_name) as campaign_name,
        {%- for touch in ['first_click', 'last_click'] %}
        sum(case when clicks.touch_type = '{{ touch }}' then 1 else 0 end) as {{ touch }}_orders,
        sum(case when clicks.touch_type = '{{ touch }}' then clicks.total_amount else 0 end)
            as {{ touch }}_revenue_amount
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from clicks
    group by 1, 2, 3, 4
),

-- The cohort's predictions are each customer's as mart_customer_value holds them (the
-- customer brain's latest run); a customer without a prediction counts in new_customers only.
monthly_cohorts as (
    select
        new_customers.tenant_id,
        new_customers.channel_group,
        new_customers.campaign_key,
        new_customers.cohort_month as month_start_date,
        min(new_customers.campaign_name) as campaign_name,
        count(*) as new_customers,
        sum(case when new_customers.is_repurchase_observed then 1 else 0 end)
            as repurchase_observed_customers,
        sum(case when new_customers.has_repurchased then 1 else 0 end) as repurchased_customers,
        count(customer_value.customer_id) as predicted_customers,
        {{ sum_exact('customer_value.predicted_clv_12m') }} as predicted_clv_12m_amount,
        {{ sum_exact('customer_value.prob_alive') }} as prob_alive_sum
    from new_customers
    left join customer_value
        on new_customers.tenant_id = customer_value.tenant_id
        and new_customers.customer_id = customer_value.customer_id
    group by 1, 2, 3, 4
),

keys as (
    select tenant_id, channel_group, campaign_key, month_start_date, campaign_name
    from monthly_spend
    union all
    select tenant_id, channel_group, campaign_key, month_start_date, campaign_name
    from monthly_clicks
    union all
    select tenant_id, channel_group, campaign_key, month_start_date, campaign_name
    from monthly_cohorts
),

campaign_months as (
    select tenant_id, channel_group, campaign_key, month_start_date,
        min(campaign_name) as campaign_name
    from keys
    group by 1, 2, 3, 4
),

final as (
    select
        campaign_months.tenant_id,
        campaign_months.channel_group,
        campaign_months.campaign_key,
        campaign_months.campaign_name,
        campaign_months.month_start_date,
        monthly_spend.campaign_key is not null as has_ad_spend,
        coalesce(monthly_spend.spend_amount, 0) as spend_amount,
        monthly_spend.impressions,
        monthly_spend.clicks,
        monthly_spend.platform_conversions,
        monthly_spend.platform_conversion_value_amount,
        coalesce(monthly_clicks.first_click_orders, 0) as first_click_orders,
        coalesce(monthly_clicks.first_click_revenue_amount, 0) as first_click_revenue_amount,
        coalesce(monthly_clicks.last_click_orders, 0) as last_click_orders,
        coalesce(monthly_clicks.last_click_revenue_amount, 0) as last_click_revenue_amount,
        coalesce(monthly_cohorts.new_customers, 0) as new_customers,
        coalesce(monthly_cohorts.predicted_customers, 0) as predicted_customers,
        coalesce(monthly_cohorts.predicted_clv_12m_amount, 0) as predicted_clv_12m_amount,
        coalesce(monthly_cohorts.prob_alive_sum, 0) as prob_alive_sum,
        coalesce(monthly_cohorts.repurchase_observed_customers, 0) as repurchase_observed_customers,
        coalesce(monthly_cohorts.repurchased_customers, 0) as repurchased_customers,
        {{ safe_divide('monthly_cohorts.predicted_clv_12m_amount', 'monthly_cohorts.predicted_customers') }}
            as predicted_clv_12m_per_customer_amount,
        {{ safe_divide('monthly_cohorts.prob_alive_sum', 'monthly_cohorts.predicted_customers') }}
            as mean_prob_alive,
        {{ safe_divide('monthly_cohorts.repurchased_customers', 'monthly_cohorts.repurchase_observed_customers') }}
            as repurchase_rate,
        case when monthly_spend.spend_amount > 0 then
            {{ safe_divide('monthly_spend.spend_amount', 'monthly_cohorts.new_customers') }}
        end as cac_amount,
        payback.cohort_margin_amount,
        payback.months_observed,
        payback.payback_months
    from campaign_months
    left join monthly_spend
        on campaign_months.tenant_id = monthly_spend.tenant_id
        and campaign_months.channel_group = monthly_spend.channel_group
        and campaign_months.campaign_key = monthly_spend.campaign_key
        and campaign_months.month_start_date = monthly_spend.month_start_date
    left join monthly_clicks
        on campaign_months.tenant_id = monthly_clicks.tenant_id
        and campaign_months.channel_group = monthly_clicks.channel_group
        and campaign_months.campaign_key = monthly_clicks.campaign_key
        and campaign_months.month_start_date = monthly_clicks.month_start_date
    left join monthly_cohorts
        on campaign_months.tenant_id = monthly_cohorts.tenant_id
        and campaign_months.channel_group = monthly_cohorts.channel_group
        and campaign_months.campaign_key = monthly_cohorts.campaign_key
        and campaign_months.month_start_date = monthly_cohorts.month_start_date
    left join payback
        on campaign_months.tenant_id = payback.tenant_id
        and campaign_months.channel_group = payback.channel_group
        and campaign_months.campaign_key = payback.campaign_key
        and campaign_months.month_start_date = payback.cohort_month
)

select * from final
