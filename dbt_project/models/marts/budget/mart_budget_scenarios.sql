-- Every precomputed budget plan, per channel (the Simulador's grid of 50 % ..
-- 200 % of the current budget and the named scenarios of cerebro/scenarios.yml):
-- the optimal spend beside the current spend and beside the current split of
-- the same total, and the expected change of the plan's objective.
with

scenarios as (
    select * from {{ ref('stg_ml__budget_scenarios') }}
),

tenants as (
    select * from {{ ref('dim_tenants') }}
),

labelled as (
    select
        scenarios.tenant_id,
        scenarios.target,
        scenarios.objective,
        {{ mmm_objective_label('scenarios.objective') }} as objective_label,
        {{ mmm_objective_is_money('scenarios.objective') }} as is_money_objective,
        scenarios.scenario_name,
        scenarios.scenario_kind,
        cast({{ round_half_away('100 * scenarios.budget_ratio', 0) }} as integer) as budget_percent,
        scenarios.budget_ratio,
        scenarios.period_days,
        scenarios.cutoff_date,
        scenarios.model_version,
        tenants.currency,
        scenarios.total_budget_amount,
        scenarios.channel_group,
        scenarios.current_spend_amount,
        -- Today's split of the scenario's total: each channel's current
        -- spend scaled by the budget ratio.
        scenarios.current_spend_amount * scenarios.budget_ratio as proportional_spend_amount,
        scenarios.optimal_spend_amount,
        scenarios.optimal_spend_amount - scenarios.current_spend_amount as spend_change_amount,
        scenarios.lower_bound_amount,
        scenarios.upper_bound_amount,
        scenarios.bound_rule,
        scenarios.is_identified,
        scenarios.expected_contribution,
        scenarios.expected_change,
        scenarios.expected_change_low,
        scenarios.expected_change_high,
        scenarios.scenario_change,
        scenarios.scenario_change_low,
        scenarios.scenario_change_high,
        scenarios.marginal_return
    from scenarios
    inner join tenants
        on scenarios.tenant_id = tenants.tenant_id
)

select * from labelled
