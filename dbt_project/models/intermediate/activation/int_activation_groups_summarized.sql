-- Each side of each activation and horizon (issue 24): customers, buyers, and the mean and
-- sample variance of revenue per customer and of predicted value at the activation, the
-- inputs of the uplift's intervals. Two passes (means, then squared deviations) rather than
-- sum of squares minus square of sums, which loses every digit on large amounts; sums are
-- exact (sum_exact), so a rebuild gives the same bits whatever order the rows come in.
with

outcomes as (
    select * from {{ ref('int_activation_outcomes_measured') }}
),

means as (
    select
        outcomes.tenant_id,
        outcomes.destination,
        outcomes.segment,
        outcomes.run_id,
        outcomes.run_started_at,
        outcomes.activation_date,
        outcomes.horizon_days,
        outcomes.horizon_end_date,
        outcomes.is_treated,
        count(*) as customers,
        sum(case when outcomes.has_purchase then 1 else 0 end) as buyers,
        {{ safe_divide(sum_exact('outcomes.revenue_amount'), 'count(*)') }}
            as revenue_mean_amount,
        count(outcomes.predicted_clv_12m) as valued_customers,
        {{ safe_divide(sum_exact('outcomes.predicted_clv_12m'), 'count(outcomes.predicted_clv_12m)') }}
            as predicted_clv_12m_mean
    from outcomes
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9
),

spreads as (
    select
        means.tenant_id,
        means.destination,
        means.segment,
        means.run_id,
        means.horizon_days,
        means.is_treated,
        {{ sum_exact('(outcomes.revenue_amount - means.revenue_mean_amount)'
            ~ ' * (outcomes.revenue_amount - means.revenue_mean_amount)') }}
            as revenue_squared_deviations,
        {{ sum_exact('(outcomes.predicted_clv_12m - means.predicted_clv_12m_mean)'
            ~ ' * (outcomes.predicted_clv_12m - means.predicted_clv_12m_mean)') }}
            as predicted_clv_12m_squared_deviations
    from means
    inner join outcomes
        on means.tenant_id = outcomes.tenant_id
        and means.destination = outcomes.destination
        and means.segment = outcomes.segment
        and means.run_id = outcomes.run_id
        and means.horizon_days = outcomes.horizon_days
        and means.is_treated = outcomes.is_treated
    group by 1, 2, 3, 4, 5, 6
),

summarized as (
    select
        means.*,
        -- Sample variances (n - 1): NULL for a side of one customer.
        {{ safe_divide('spreads.revenue_squared_deviations', 'means.customers - 1') }}
            as revenue_variance,
        {{ safe_divide('spreads.predicted_clv_12m_squared_deviations', 'means.valued_customers - 1') }}
            as predicted_clv_12m_variance
    from means
    inner join spreads
        on means.tenant_id = spreads.tenant_id
        and means.destination = spreads.destination
        and means.segment = spreads.segment
        and means.run_id = spreads.run_id
        and means.horizon_days = spreads.horizon_days
        and means.is_treated = spreads.is_treated
)

select * from summarized
