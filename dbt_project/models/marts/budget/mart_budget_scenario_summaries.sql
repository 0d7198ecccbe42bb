-- One line per precomputed plan: its total, the expected change of its
-- objective against today's spend with the interval, and the allocation
-- written out per channel (what the Simulador lists as saved scenarios).
with

scenarios as (
    select * from {{ ref('mart_budget_scenarios') }}
),

diagnostics as (
    select * from {{ ref('stg_ml__mmm_diagnostics') }}
),

interval_levels as (
    select tenant_id, target, metric_value as interval_level
    from diagnostics
    where metric = 'interval'
),

summarized as (
    select
        scenarios.tenant_id,
        scenarios.objective,
        scenarios.scenario_name,
        min(scenarios.target) as target,
        min(scenarios.objective_label) as objective_label,
        min(scenarios.scenario_kind) as scenario_kind,
        min(scenarios.budget_percent) as budget_percent,
        min(scenarios.period_days) as period_days,
        min(scenarios.cutoff_date) as cutoff_date,
        min(scenarios.currency) as currency,
        min(scenarios.total_budget_amount) as total_budget_amount,
        sum(scenarios.current_spend_amount) as current_spend_amount,
        -- The plan's change is repeated on each of its rows.
        min(scenarios.scenario_change) as scenario_change,
        min(scenarios.scenario_change_low) as scenario_change_low,
        min(scenarios.scenario_change_high) as scenario_change_high,
        {{ dbt.listagg(
            "scenarios.channel_group || ' ' || " ~ format_money('scenarios.optimal_spend_amount', 'scenarios.currency'),
            "' · '",
            "order by scenarios.channel_group"
        ) }} as allocation_text
    from scenarios
    group by 1, 2, 3
)

select
    summarized.*,
    interval_levels.interval_level,
    {{ budget_change_text('summarized.objective', 'summarized.scenario_change', 'summarized.currency') }}
        as change_text,
    {{ format_percent('interval_levels.interval_level', 0, 'summarized.currency') }} || ': '
        || {{ budget_change_text('summarized.objective', 'summarized.scenario_change_low', 'summarized.currency', signed=false) }}
        || ' a '
        || {{ budget_change_text('summarized.objective', 'summarized.scenario_change_high', 'summarized.currency', signed=false) }}
        as interval_text
from summarized
left join interval_levels
    on summarized.tenant_id = interval_levels.tenant_id
    and summarized.target = interval_levels.target
