with

source as (
    select * from {{ source_or_empty('ml', 'ml_budget_recommendations') }}
),

renamed as (
    select
        tenant_id,
        target,
        objective,
        channel as channel_group,
        cast(cutoff_date as date) as cutoff_date,
        model_version,
        predicted_at,
        cast(period_days as {{ dbt.type_bigint() }}) as period_days,
        action,
        identified as is_identified,
        calibrated as is_calibrated,
        nullif(identification_issues, '') as identification_issues,
        rank_probability,
        -- 1 for revenue and new customers; for ltv, the value of a new customer of the
        -- channel the plan was computed with (mart_new_customer_value).
        value_per_unit,
        current_spend as current_spend_amount,
        recommended_spend as recommended_spend_amount,
        recommended_spend - current_spend as spend_change_amount,
        -- In the objective's unit (currency for revenue and ltv, customers
        -- for new_customers).
        expected_change,
        expected_change_low,
        expected_change_high,
        return_on_spend,
        return_on_spend_low,
        return_on_spend_high,
        marginal_return,
        marginal_return_low,
        marginal_return_high,
        cast(experiment_days as {{ dbt.type_bigint() }}) as experiment_days,
        cast(experiment_geo_days as {{ dbt.type_bigint() }}) as experiment_geo_days,
        experiment_geo_share,
        experiment_expected_lift,
        experiment_spend_paused as experiment_spend_paused_amount,
        experiment_relative_error,
        -- All NULL when every channel is identified: pandas then writes a text column.
        cast(experiment_feasible as {{ dbt.type_boolean() }}) as is_experiment_feasible,
        total_budget as total_budget_amount,
        scenario_change,
        scenario_change_low,
        scenario_change_high,
        moved_amount
    from source
)

select * from renamed
