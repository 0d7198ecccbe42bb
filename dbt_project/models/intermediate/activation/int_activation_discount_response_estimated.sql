-- The response to each discount of a rescue that randomised its coupon over the ladder
-- (decision 0064), per activation and horizon: each discount's treated customers against
-- everyone the activation gave no coupon (the held-out control and the 0 % arm, both logged
-- hold_out), the difference of purchase rates with the uplift's own interval and minimum
-- detectable effect (int_activation_uplift_estimated: unpooled normal approximation,
-- var('activation_uplift_interval')), and the *response* the rescue rule reads: the
-- difference over the baseline's non-buyers, r = diff / (1 - p0), the share of would-be
-- non-buyers the discount brings back (rescue_offer.py), its interval scaled alike (p0
-- taken as known). Only activations with a coupon discount logged have rows.
with

outcomes as (
    select * from {{ ref('int_activation_outcomes_measured') }}
),

levels as (
    select
        outcomes.tenant_id,
        outcomes.destination,
        outcomes.segment,
        outcomes.run_id,
        outcomes.horizon_days,
        outcomes.discount,
        count(*) as treated_customers,
        sum(case when outcomes.has_purchase then 1 else 0 end) as treated_buyers
    from outcomes
    where outcomes.is_treated and outcomes.discount is not null
    group by 1, 2, 3, 4, 5, 6
),

baselines as (
    select
        outcomes.tenant_id,
        outcomes.destination,
        outcomes.segment,
        outcomes.run_id,
        outcomes.run_started_at,
        outcomes.activation_date,
        outcomes.horizon_days,
        outcomes.horizon_end_date,
        count(*) as baseline_customers,
        sum(case when outcomes.has_purchase then 1 else 0 end) as baseline_buyers
    from outcomes
    where not outcomes.is_treated
    group by 1, 2, 3, 4, 5, 6, 7, 8
),

rates as (
    select
        baselines.tenant_id,
        baselines.destination,
        baselines.segment,
        baselines.run_id,
        baselines.run_started_at,
        baselines.activation_date,
        baselines.horizon_days,
        baselines.horizon_end_date,
        levels.discount,
        levels.treated_customers,
        levels.treated_buyers,
        baselines.baseline_customers,
        baselines.baseline_buyers,
        cast(levels.treated_buyers as {{ type_double() }}) / levels.treated_customers
            as treated_purchase_rate,
        cast(baselines.baseline_buyers as {{ type_double() }}) / baselines.baseline_customers
            as baseline_purchase_rate
    from levels
    inner join baselines
        on levels.tenant_id = baselines.tenant_id
        and levels.destination = baselines.destination
        and levels.segment = baselines.segment
        and levels.run_id = baselines.run_id
        and levels.horizon_days = baselines.horizon_days
),

differences as (
    {%- set z = var('activation_uplift_interval').z %}
    {%- set k2 = (var('activation_uplift_interval').z + var('activation_uplift_power').z) ** 2 %}
    select
        rates.*,
        rates.treated_purchase_rate - rates.baseline_purchase_rate as purchase_rate_diff,
        sqrt(
            rates.treated_purchase_rate * (1 - rates.treated_purchase_rate) / rates.treated_customers
            + rates.baseline_purchase_rate * (1 - rates.baseline_purchase_rate)
                / rates.baseline_customers
        ) as purchase_rate_diff_se,
        -- power.py's minimum detectable effect with n1 = this discount's customers.
        (
            {{ k2 }} * (1 - 2 * rates.baseline_purchase_rate) / rates.treated_customers
            + sqrt(
                power({{ k2 }} * (1 - 2 * rates.baseline_purchase_rate) / rates.treated_customers, 2)
                + 4 * (1 + {{ k2 }} / rates.treated_customers) * {{ k2 }}
                    * rates.baseline_purchase_rate * (1 - rates.baseline_purchase_rate)
                    * (1.0 / rates.baseline_customers + 1.0 / rates.treated_customers)
            )
        ) / (2 * (1 + {{ k2 }} / rates.treated_customers)) as minimum_detectable_effect
    from rates
),

intervals as (
    select
        differences.*,
        differences.purchase_rate_diff - {{ z }} * differences.purchase_rate_diff_se
            as purchase_rate_diff_lower,
        differences.purchase_rate_diff + {{ z }} * differences.purchase_rate_diff_se
            as purchase_rate_diff_upper
    from differences
),

responses as (
    select
        intervals.*,
        {%- for bound in ['', '_lower', '_upper'] %}
        {{ safe_divide('intervals.purchase_rate_diff' ~ bound, '1 - intervals.baseline_purchase_rate') }}
            as response{{ bound }}{{ ',' if not loop.last }}
        {%- endfor %}
    from intervals
)

select * from responses
