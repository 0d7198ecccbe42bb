-- The recommended budget move per tenant and objective: today's total budget
-- split the best way the model knows (the grid plan at 100 %), as the money
-- that moves between channels and what it is expected to add, in a Spanish
-- sentence built from those numbers.
with

scenarios as (
    select * from {{ ref('mart_budget_scenarios') }}
    where scenario_kind = 'grid' and budget_percent = 100
),

summaries as (
    select * from {{ ref('mart_budget_scenario_summaries') }}
    where scenario_kind = 'grid' and budget_percent = 100
),

ranked_moves as (
    select
        tenant_id,
        objective,
        channel_group,
        spend_change_amount,
        currency,
        spend_change_amount > 0 as is_gain,
        row_number() over (
            partition by tenant_id, objective, spend_change_amount > 0
            order by abs(spend_change_amount) desc, channel_group
        ) as move_rank,
        count(*) over (
            partition by tenant_id, objective, spend_change_amount > 0
        ) as moves
    from scenarios
    where spend_change_amount <> 0
),

listed_moves as (
    -- "A (+$1), B (+$2) y C (+$3)": the last item joins with ' y '.
    select
        tenant_id,
        objective,
        is_gain,
        sum(abs(spend_change_amount)) as moved_amount,
        {{ dbt.listagg(
            "case when move_rank = 1 then '' when move_rank = moves then ' y ' else ', ' end"
            ~ " || channel_group || ' (' || case when spend_change_amount > 0 then '+' else '' end || "
            ~ format_money('spend_change_amount', 'currency') ~ " || ')'",
            "''",
            "order by move_rank"
        ) }} as channels_text
    from ranked_moves
    group by 1, 2, 3
),

combined as (
    select
        summaries.tenant_id,
        summaries.objective,
        summaries.objective_label,
        summaries.scenario_name,
        summaries.period_days,
        summaries.cutoff_date,
        summaries.currency,
        summaries.total_budget_amount,
        coalesce(gains.moved_amount, 0) as moved_amount,
        -- Moves under this share of the budget are noise, not advice.
        coalesce(gains.moved_amount, 0)
            >= {{ var('budget_move_min_share') }} * summaries.total_budget_amount as is_move,
        losses.channels_text as from_channels_text,
        gains.channels_text as to_channels_text,
        summaries.scenario_change,
        summaries.scenario_change_low,
        summaries.scenario_change_high,
        summaries.interval_level,
        summaries.change_text,
        summaries.interval_text
    from summaries
    left join listed_moves as gains
        on summaries.tenant_id = gains.tenant_id
        and summaries.objective = gains.objective
        and gains.is_gain
    left join listed_moves as losses
        on summaries.tenant_id = losses.tenant_id
        and summaries.objective = losses.objective
        and not losses.is_gain
)

select
    combined.tenant_id,
    combined.objective,
    combined.objective_label,
    combined.scenario_name,
    combined.period_days,
    combined.cutoff_date,
    combined.currency,
    combined.total_budget_amount,
    combined.moved_amount,
    combined.is_move,
    combined.from_channels_text,
    combined.to_channels_text,
    combined.scenario_change,
    combined.scenario_change_low,
    combined.scenario_change_high,
    combined.interval_level,
    case
        when combined.is_move then
            'Mover ' || {{ format_money('combined.moved_amount', 'combined.currency') }}
            || ' de ' || combined.from_channels_text || ' a ' || combined.to_channels_text
            || ' en los próximos ' || cast(combined.period_days as {{ dbt.type_string() }}) || ' días: '
            || combined.change_text || ' (intervalo ' || combined.interval_text || ').'
        else
            'Mantener el reparto actual: el modelo no encuentra un reparto del mismo presupuesto '
            || 'que cambie ' || lower(combined.objective_label) || ' de forma apreciable.'
    end as recommendation_text
from combined
