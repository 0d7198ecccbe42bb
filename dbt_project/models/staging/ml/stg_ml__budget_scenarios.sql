with

source as (
    select * from {{ source_or_empty('ml', 'ml_budget_scenarios') }}
),

renamed as (
    select
        tenant_id,
        target,
        objective,
        scenario as scenario_name,
        scenario_kind,
        channel as channel_group,
        cast(cutoff_date as date) as cutoff_date,
        model_version,
        predicted_at,
        budget_ratio,
        cast(period_days as {{ dbt.type_bigint() }}) as period_days,
        total_budget as total_budget_amount,
        current_spend as current_spend_amount,
        optimal_spend as optimal_spend_amount,
        lower_bound as lower_bound_amount,
        upper_bound as upper_bound_amount,
        bound_rule,
        identified as is_identified,
        expected_contribution,
        -- In the objective's unit (currency for revenue and ltv, customers
        -- for new_customers), whatever the source column's name says.
        expected_revenue_change as expected_change,
        expected_revenue_change_low as expected_change_low,
        expected_revenue_change_high as expected_change_high,
        scenario_change,
        scenario_change_low,
        scenario_change_high,
        marginal_return,
        kkt_violation
    from source
)

select * from renamed
