-- The recommended budget move per tenant and objective, from the same advice
-- rows as every channel sentence (mart_budget_channel_advice): the money that
-- moves between the channels the data can judge, which channels give and
-- receive it, what it is expected to add, and the channels kept for an
-- experiment, in a Spanish sentence built from those numbers. Where the
-- advice abstains (the interval of the plan's gain reaches zero, or a model
-- it reads has a red light), the sentence keeps today's split, says why, and
-- names the experiment on the channel the plan would move most.
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
        model_direction > 0 as is_gain,
        row_number() over (
            partition by tenant_id, objective, model_direction
            order by abs(spend_change_amount) desc, channel_group
        ) as move_rank,
        count(*) over (partition by tenant_id, objective, model_direction) as moves
    from advice
    where model_direction <> 0
),

deciding_experiments as (
    -- The channel the plan would move most: measuring it decides whether the move pays.
    select
        tenant_id,
        objective,
        {{ budget_experiment_text("'Para decidirlo, apagar ' || channel_group", 'experiment_days',
            'experiment_geo_days', 'is_experiment_feasible') }} as experiment_text,
        row_number() over (
            partition by tenant_id, objective
            order by abs(spend_change_amount) desc, channel_group
        ) as experiment_rank
    from advice
    where model_direction <> 0 and experiment_days is not null
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
        sum(expected_change_low) as channel_change_low_sum,
        bool_or(is_abstained) as is_abstained,
        min(abstention_reason) as abstention_reason,
        min(red_checks_text) as red_checks_text,
        min({{ mmm_objective_noun('objective') }}) as objective_noun
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
        plans.is_abstained,
        plans.abstention_reason,
        plans.red_checks_text,
        plans.objective_noun,
        deciding_experiments.experiment_text as deciding_experiment_text,
        -- Money the advice moves: none where it abstains (model_moved_amount is the plan's).
        case when plans.is_abstained then 0 else coalesce(gains.moved_amount, 0) end
            as moved_amount,
        coalesce(gains.moved_amount, 0) as model_moved_amount,
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
    left join deciding_experiments
        on plans.tenant_id = deciding_experiments.tenant_id
        and plans.objective = deciding_experiments.objective
        and deciding_experiments.experiment_rank = 1
)

select
    combined.*,
    case
        when combined.is_abstained then
            'Mantener el reparto actual: '
            || case combined.abstention_reason
                when 'salud' then 'el modelo tiene luz roja en Salud de datos ('
                    || combined.red_checks_text || '), así que '
                else ''
            end
            || 'los datos no distinguen si '
            -- A plan whose only givers moved less than 5 % each names no giver.
            || coalesce(
                'mover ' || {{ format_money('combined.model_moved_amount', 'combined.currency') }}
                || ' de ' || combined.from_channels_text || ' a ' || combined.to_channels_text,
                'cambiar el reparto'
            )
            || ' en los próximos ' || cast(combined.period_days as {{ dbt.type_string() }}) || ' días'
            || ' mejora ' || combined.objective_noun || ': el modelo calcula '
            || {{ budget_change_text('combined.objective', 'combined.scenario_change', 'combined.currency') }}
            || ', y con 90% de probabilidad el cambio queda '
            || {{ budget_interval_text('combined.objective', 'combined.scenario_change_low', 'combined.scenario_change_high', 'combined.currency') }}
            || case
                when combined.abstention_reason <> 'intervalo' then '.'
                when combined.scenario_change_high < 0 then ', es decir, una pérdida.'
                else ', lo que incluye no ganar nada.'
            end
            || coalesce(' ' || combined.deciding_experiment_text, '')
        when combined.is_move then
            'Mover ' || {{ format_money('combined.moved_amount', 'combined.currency') }}
            || ' de ' || combined.from_channels_text || ' a ' || combined.to_channels_text
            || ' en los próximos ' || cast(combined.period_days as {{ dbt.type_string() }}) || ' días: '
            || {{ budget_change_text('combined.objective', 'combined.scenario_change', 'combined.currency') }}
            || ' (con 90% de probabilidad, '
            || {{ budget_interval_text('combined.objective', 'combined.scenario_change_low', 'combined.scenario_change_high', 'combined.currency') }}
            || ' según el modelo).'
        else
            'Mantener el reparto actual: el modelo no encuentra un reparto del mismo presupuesto '
            || 'que cambie ' || combined.objective_noun || ' de forma apreciable.'
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
