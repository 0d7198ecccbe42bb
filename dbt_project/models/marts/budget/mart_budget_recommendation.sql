-- The recommended budget move per tenant and objective, from the same advice
-- rows as every channel sentence (mart_budget_channel_advice): the money that
-- moves between the channels the data can judge, which channels give and
-- receive it, what it is expected to add, and the channels kept for an
-- experiment, in a Spanish sentence built from those numbers.
with

advice as (
    select * from {{ ref('mart_budget_channel_advice') }}
),

ranked_moves as (
    select
        tenant_id,
        objective,
        channel_group,
        spend_change_amount,
        currency,
        direction > 0 as is_gain,
        row_number() over (
            partition by tenant_id, objective, direction
            order by abs(spend_change_amount) desc, channel_group
        ) as move_rank,
        count(*) over (partition by tenant_id, objective, direction) as moves
    from advice
    where direction <> 0
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

tested as (
    select
        tenant_id,
        objective,
        {{ dbt.listagg("channel_group", "', '", "order by channel_group") }} as channels_text,
        bool_or(direction <> 0) as is_moved
    from advice
    where action = 'experimentar'
    group by 1, 2
),

plans as (
    select
        tenant_id,
        objective,
        min(objective_label) as objective_label,
        bool_or(is_headline_objective) as is_headline_objective,
        min(period_days) as period_days,
        min(cutoff_date) as cutoff_date,
        min(currency) as currency,
        sum(current_spend_amount) as total_budget_amount,
        sum(expected_change) as scenario_change,
        sum(expected_change_low) as channel_change_low_sum
    from advice
    group by 1, 2
),

scenario_intervals as (
    select distinct
        tenant_id,
        objective,
        scenario_change_low,
        scenario_change_high
    from {{ ref('stg_ml__budget_recommendations') }}
),

combined as (
    select
        plans.tenant_id,
        plans.objective,
        plans.objective_label,
        plans.is_headline_objective,
        plans.period_days,
        plans.cutoff_date,
        plans.currency,
        plans.total_budget_amount,
        coalesce(gains.moved_amount, 0) as moved_amount,
        gains.moved_amount is not null and losses.moved_amount is not null as is_move,
        losses.channels_text as from_channels_text,
        gains.channels_text as to_channels_text,
        tested.channels_text as tested_channels_text,
        tested.is_moved as is_tested_moved,
        plans.scenario_change,
        scenario_intervals.scenario_change_low,
        scenario_intervals.scenario_change_high
    from plans
    inner join scenario_intervals
        on plans.tenant_id = scenario_intervals.tenant_id
        and plans.objective = scenario_intervals.objective
    left join listed_moves as gains
        on plans.tenant_id = gains.tenant_id
        and plans.objective = gains.objective
        and gains.is_gain
    left join listed_moves as losses
        on plans.tenant_id = losses.tenant_id
        and plans.objective = losses.objective
        and not losses.is_gain
    left join tested
        on plans.tenant_id = tested.tenant_id
        and plans.objective = tested.objective
)

select
    combined.*,
    case
        when combined.is_move then
            'Mover ' || {{ format_money('combined.moved_amount', 'combined.currency') }}
            || ' de ' || combined.from_channels_text || ' a ' || combined.to_channels_text
            || ' en los próximos ' || cast(combined.period_days as {{ dbt.type_string() }}) || ' días: '
            || {{ budget_change_text('combined.objective', 'combined.scenario_change', 'combined.currency') }}
            || ' (intervalo 90%: '
            || {{ budget_change_text('combined.objective', 'combined.scenario_change_low', 'combined.currency', signed=false) }}
            || ' a '
            || {{ budget_change_text('combined.objective', 'combined.scenario_change_high', 'combined.currency', signed=false) }}
            || ').'
        else
            'Mantener el reparto actual: el modelo no encuentra un reparto del mismo presupuesto '
            || 'que cambie ' || lower(combined.objective_label) || ' de forma apreciable.'
    end
    || case
        when combined.tested_channels_text is null then ''
        when combined.is_tested_moved then
            ' Sin datos para juzgar ' || combined.tested_channels_text
            || ' uno contra otro: se mueven juntos, en la proporción de hoy, y se propone'
            || ' medirlos con un experimento.'
        else ' Sin datos para juzgar ' || combined.tested_channels_text
            || ': se mantienen y se propone medirlos con un experimento.'
    end as recommendation_text
from combined
