-- The recommended budget move per tenant and objective, from the same advice
-- rows as every channel sentence (mart_budget_channel_advice): the money that
-- moves between the channels the data can judge, which channels give and
-- receive it, what it is expected to add, and the channels kept for an
-- experiment, in a Spanish sentence built from those numbers. Where the
-- advice abstains (the interval of the plan's gain reaches zero, or a model
-- it reads has a red light), the sentence keeps today's split, says why, and
-- names the experiment on the channel the plan would move most. A plan net of
-- spend (net_value, docs/decisions/0053) may leave part of today's budget
-- unspent: the sentence says how much, and which channels give it up.
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
        min(unpaid_channels_text) as unpaid_channels_text,
        min(unpaid_matured_cohorts) as unpaid_matured_cohorts,
        min(value_basis) as value_basis,
        -- Money the plan leaves unspent (net_value), under half a unit is none.
        case when min(unspent_amount) >= 0.5 then min(unspent_amount) else 0 end
            as unspent_amount,
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
        plans.unpaid_channels_text,
        plans.unpaid_matured_cohorts,
        plans.value_basis,
        plans.unspent_amount,
        plans.objective_noun,
        deciding_experiments.experiment_text as deciding_experiment_text,
        -- Money the advice moves: none where it abstains (model_moved_amount is the plan's).
        case when plans.is_abstained then 0 else coalesce(gains.moved_amount, 0) end
            as moved_amount,
        coalesce(gains.moved_amount, 0) as model_moved_amount,
        gains.moved_amount is not null and losses.moved_amount is not null as is_move,
        gains.moved_amount is null and losses.moved_amount is not null
            and plans.unspent_amount > 0 as is_cut,
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
),

phrased as (
    -- The plan as a verb phrase: 'mover $X de A (-$x) a B (+$x)', 'dejar sin gastar $U de
    -- A (-$u)', with ', y dejar $U sin gastar' where it also keeps money; empty where its
    -- only givers moved less than 5 % each.
    select
        combined.*,
        case
            when combined.from_channels_text is not null and combined.to_channels_text is not null
                then 'mover ' || {{ format_money('combined.model_moved_amount', 'combined.currency') }}
                    || ' de ' || combined.from_channels_text || ' a ' || combined.to_channels_text
                    || case when combined.unspent_amount > 0 then ', y dejar '
                        || {{ format_money('combined.unspent_amount', 'combined.currency') }}
                        || ' sin gastar' else '' end
            when combined.from_channels_text is not null and combined.unspent_amount > 0
                then 'dejar sin gastar '
                    || {{ format_money('combined.unspent_amount', 'combined.currency') }}
                    || ' de ' || combined.from_channels_text
        end as plan_phrase
    from combined
)

select
    phrased.*,
    case
        when phrased.is_abstained then
            'Mantener el reparto actual: '
            || case phrased.abstention_reason
                when 'salud' then 'el modelo tiene luz roja en Salud de datos ('
                    || phrased.red_checks_text || '), así que '
                when 'cohortes' then 'ninguna de las '
                    || cast(phrased.unpaid_matured_cohorts as {{ dbt.type_string() }})
                    || ' cohortes de ' || phrased.unpaid_channels_text
                    || ' con más de {{ var('budget_margin_story').payback_months }} meses'
                    || ' observados recuperó su costo de adquisición en ese plazo (Recuperación'
                    || ' del CAC por cohorte), así que el modelo y las cohortes no cuentan la'
                    || ' misma historia y '
                else ''
            end
            || 'los datos no distinguen si '
            || coalesce(phrased.plan_phrase, 'cambiar el reparto')
            || ' en los próximos ' || cast(phrased.period_days as {{ dbt.type_string() }}) || ' días'
            || ' mejora ' || phrased.objective_noun || ': el modelo calcula '
            || {{ budget_change_text('phrased.objective', 'phrased.scenario_change', 'phrased.currency') }}
            || ', y con 90% de probabilidad el cambio queda '
            || {{ budget_interval_text('phrased.objective', 'phrased.scenario_change_low', 'phrased.scenario_change_high', 'phrased.currency') }}
            || case
                when phrased.abstention_reason <> 'intervalo' then '.'
                when phrased.scenario_change_high < 0 then ', es decir, una pérdida.'
                else ', lo que incluye no ganar nada.'
            end
            || coalesce(' ' || phrased.deciding_experiment_text, '')
        when phrased.is_move or phrased.is_cut then
            upper(substr(phrased.plan_phrase, 1, 1)) || substr(phrased.plan_phrase, 2)
            || ' en los próximos ' || cast(phrased.period_days as {{ dbt.type_string() }}) || ' días: '
            || {{ budget_change_text('phrased.objective', 'phrased.scenario_change', 'phrased.currency') }}
            || ' (con 90% de probabilidad, '
            || {{ budget_interval_text('phrased.objective', 'phrased.scenario_change_low', 'phrased.scenario_change_high', 'phrased.currency') }}
            || ' según el modelo).'
            || case
                when phrased.objective <> 'net_value' then ''
                when phrased.unspent_amount > 0 then
                    ' La inversión queda solo donde deja más margen del que cuesta; el resto'
                    || ' no se gasta.'
                else ' La inversión queda donde deja más margen del que cuesta.'
            end
        else
            'Mantener el reparto actual: el modelo no encuentra un reparto del mismo presupuesto '
            || 'que cambie ' || phrased.objective_noun || ' de forma apreciable.'
    end
    || case
        when phrased.tested_channels_text is null then ''
        when phrased.is_tested_moved then
            ' Sin datos para juzgar ' || phrased.tested_channels_text
            || ' uno contra otro: se mueven juntos, en la proporción de hoy, y se propone'
            || ' medirlos con un experimento.'
        else ' Sin datos para juzgar ' || phrased.tested_channels_text
            || ': se mantienen y se propone medirlos con un experimento.'
    end
    -- Where the customers are valued on revenue, the plan cannot see what they cost.
    || case
        when phrased.objective = 'ltv' and phrased.is_headline_objective
            and phrased.value_basis = 'revenue' then
            ' Valorado en ingresos: la tienda no cargó sus costos, así que el plan no sabe si'
            || ' cada canal deja más margen del que cuesta.'
        else ''
    end as recommendation_text
from phrased
