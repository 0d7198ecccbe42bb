-- The uplift of each activation and horizon (issue 24): treated against held-out customers,
-- each difference with its interval (var('activation_uplift_interval'): 90 %, z = 1.645).
-- Purchase rate: a difference of proportions, normal approximation with the unpooled standard
-- error; revenue and predicted value per customer: Welch's standard error of a difference of
-- means.
with

groups as (
    select * from {{ ref('int_activation_groups_summarized') }}
),

compared as (
    select
        groups.tenant_id,
        groups.destination,
        groups.segment,
        groups.run_id,
        groups.run_started_at,
        groups.activation_date,
        groups.horizon_days,
        groups.horizon_end_date,
        {%- for side, condition in [('treated', 'groups.is_treated'), ('control', 'not groups.is_treated')] %}
        coalesce(sum(case when {{ condition }} then groups.customers end), 0) as {{ side }}_customers,
        coalesce(sum(case when {{ condition }} then groups.buyers end), 0) as {{ side }}_buyers,
        max(case when {{ condition }} then groups.revenue_mean_amount end)
            as {{ side }}_revenue_per_customer_amount,
        max(case when {{ condition }} then groups.revenue_variance end) as {{ side }}_revenue_variance,
        coalesce(sum(case when {{ condition }} then groups.valued_customers end), 0)
            as {{ side }}_valued_customers,
        max(case when {{ condition }} then groups.predicted_clv_12m_mean end)
            as {{ side }}_predicted_clv_12m_amount,
        max(case when {{ condition }} then groups.predicted_clv_12m_variance end)
            as {{ side }}_predicted_clv_12m_variance{{ ',' if loop.first }}
        {%- endfor %}
    from groups
    group by 1, 2, 3, 4, 5, 6, 7, 8
),

differences as (
    select
        compared.*,
        {{ safe_divide('compared.treated_buyers', 'compared.treated_customers') }}
            as treated_purchase_rate,
        {{ safe_divide('compared.control_buyers', 'compared.control_customers') }}
            as control_purchase_rate,
        compared.treated_revenue_per_customer_amount - compared.control_revenue_per_customer_amount
            as revenue_per_customer_diff_amount,
        sqrt(
            {{ safe_divide('compared.treated_revenue_variance', 'compared.treated_customers') }}
            + {{ safe_divide('compared.control_revenue_variance', 'compared.control_customers') }}
        ) as revenue_per_customer_diff_se,
        compared.treated_predicted_clv_12m_amount - compared.control_predicted_clv_12m_amount
            as predicted_clv_12m_diff_amount,
        sqrt(
            {{ safe_divide('compared.treated_predicted_clv_12m_variance', 'compared.treated_valued_customers') }}
            + {{ safe_divide('compared.control_predicted_clv_12m_variance', 'compared.control_valued_customers') }}
        ) as predicted_clv_12m_diff_se
    from compared
),

rates as (
    select
        differences.*,
        differences.treated_purchase_rate - differences.control_purchase_rate as purchase_rate_diff,
        sqrt(
            {{ safe_divide('differences.treated_purchase_rate * (1 - differences.treated_purchase_rate)', 'differences.treated_customers') }}
            + {{ safe_divide('differences.control_purchase_rate * (1 - differences.control_purchase_rate)', 'differences.control_customers') }}
        ) as purchase_rate_diff_se
    from differences
),

intervals as (
    {%- set z = var('activation_uplift_interval').z %}
    select
        rates.*,
        rates.purchase_rate_diff - {{ z }} * rates.purchase_rate_diff_se as purchase_rate_diff_lower,
        rates.purchase_rate_diff + {{ z }} * rates.purchase_rate_diff_se as purchase_rate_diff_upper,
        rates.revenue_per_customer_diff_amount - {{ z }} * rates.revenue_per_customer_diff_se
            as revenue_per_customer_diff_lower_amount,
        rates.revenue_per_customer_diff_amount + {{ z }} * rates.revenue_per_customer_diff_se
            as revenue_per_customer_diff_upper_amount,
        rates.predicted_clv_12m_diff_amount - {{ z }} * rates.predicted_clv_12m_diff_se
            as predicted_clv_12m_diff_lower_amount,
        rates.predicted_clv_12m_diff_amount + {{ z }} * rates.predicted_clv_12m_diff_se
            as predicted_clv_12m_diff_upper_amount
    from rates
),

powered as (
    -- The minimum detectable effect (cerebro/actions/activation/power.py, decision 0059): the
    -- smallest true uplift this interval reads with var('activation_uplift_power') at the
    -- control's purchase rate p, the positive root of
    -- (1 + k²/n₁) δ² − k² (1 − 2p)/n₁ δ − k² p (1 − p) (1/n₀ + 1/n₁) = 0, k = z + z_power.
    {%- set k2 = (var('activation_uplift_interval').z + var('activation_uplift_power').z) ** 2 %}
    select
        intervals.*,
        case when intervals.treated_customers > 0 and intervals.control_customers > 0 then
            (
                {{ k2 }} * (1 - 2 * intervals.control_purchase_rate) / intervals.treated_customers
                + sqrt(
                    power({{ k2 }} * (1 - 2 * intervals.control_purchase_rate)
                        / intervals.treated_customers, 2)
                    + 4 * (1 + {{ k2 }} / intervals.treated_customers) * {{ k2 }}
                        * intervals.control_purchase_rate * (1 - intervals.control_purchase_rate)
                        * (1.0 / intervals.control_customers + 1.0 / intervals.treated_customers)
                )
            ) / (2 * (1 + {{ k2 }} / intervals.treated_customers))
        end as minimum_detectable_effect
    from intervals
)

select * from powered
