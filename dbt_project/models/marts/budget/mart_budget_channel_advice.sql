-- One row per tenant, objective and paid channel: the budget brain's advice
-- for the channel (ml_budget_recommendations) in a Spanish sentence written
-- from the row's numbers, and whether the objective is the one the pages lead
-- with (customer value when the customer brain has valued every channel,
-- revenue otherwise). Every page sentence about a channel's budget reads
-- this mart, so none can contradict another.
with

recommendations as (
    select * from {{ ref('stg_ml__budget_recommendations') }}
),

tenants as (
    select * from {{ ref('dim_tenants') }}
),

objectives_ranked as (
    select
        tenant_id,
        objective,
        row_number() over (
            partition by tenant_id
            order by case objective when 'ltv' then 1 when 'revenue' then 2 else 3 end
        ) as objective_rank
    from recommendations
    group by 1, 2
),

worded as (
    select
        recommendations.*,
        tenants.currency,
        {{ mmm_objective_label('recommendations.objective') }} as objective_label,
        {{ mmm_objective_is_money('recommendations.objective') }} as is_money_objective,
        objectives_ranked.objective_rank = 1 as is_headline_objective,
        -- A channel kept for an experiment still moves with the pool of channels the data
        -- cannot tell apart (budget.py): its direction is that pro-rata move's, with the
        -- same 5 % floor under which recommendation.py calls a change no move.
        case
            when recommendations.action = 'aumentar' then 1
            when recommendations.action = 'reducir' then -1
            when recommendations.action = 'experimentar'
                and abs(recommendations.spend_change_amount)
                    >= 0.05 * recommendations.current_spend_amount
                then case when recommendations.spend_change_amount > 0 then 1 else -1 end
            else 0
        end as direction,
        {{ format_money('recommendations.current_spend_amount', 'tenants.currency') }} as current_text,
        {{ format_money('recommendations.recommended_spend_amount', 'tenants.currency') }} as recommended_text,
        {{ budget_change_text('recommendations.objective', 'recommendations.expected_change', 'tenants.currency') }}
            as change_text,
        {{ budget_change_text('recommendations.objective', 'recommendations.expected_change_low', 'tenants.currency', signed=false) }}
            || ' a '
            || {{ budget_change_text('recommendations.objective', 'recommendations.expected_change_high', 'tenants.currency', signed=false) }}
            as interval_text,
        cast(recommendations.period_days as {{ dbt.type_string() }}) as days_text
    from recommendations
    inner join tenants
        on recommendations.tenant_id = tenants.tenant_id
    inner join objectives_ranked
        on recommendations.tenant_id = objectives_ranked.tenant_id
        and recommendations.objective = objectives_ranked.objective
)

select
    tenant_id,
    target,
    objective,
    objective_label,
    is_money_objective,
    is_headline_objective,
    channel_group,
    cutoff_date,
    period_days,
    currency,
    action,
    direction,
    is_identified,
    is_calibrated,
    identification_issues,
    rank_probability,
    value_per_unit,
    current_spend_amount,
    recommended_spend_amount,
    spend_change_amount,
    expected_change,
    expected_change_low,
    expected_change_high,
    return_on_spend,
    return_on_spend_low,
    return_on_spend_high,
    marginal_return,
    marginal_return_low,
    marginal_return_high,
    experiment_days,
    experiment_geo_days,
    experiment_geo_share,
    experiment_spend_paused_amount,
    is_experiment_feasible,
    case action
        when 'aumentar' then
            'Aumentar ' || channel_group || ' de ' || current_text || ' a ' || recommended_text
            || ' en los próximos ' || days_text || ' días: ' || change_text
            || ' (intervalo 90%: ' || interval_text || ').'
        when 'reducir' then
            'Reducir ' || channel_group || ' de ' || current_text || ' a ' || recommended_text
            || ' en los próximos ' || days_text || ' días: ' || change_text
            || ' (intervalo 90%: ' || interval_text || '), una pérdida que ese dinero'
            || ' más que compensa en los canales que lo reciben.'
        when 'mantener' then
            'Mantener ' || channel_group || ' en ' || current_text || ' en los próximos '
            || days_text || ' días: el modelo no encuentra un reparto que lo mejore.'
        else
            case
                when direction = 0 then
                    'Mantener ' || channel_group || ' en ' || current_text || ' y medirlo: los datos no '
                    || 'permiten saber si rinde más o menos que el resto.'
                else
                    'Llevar ' || channel_group || ' de ' || current_text || ' a ' || recommended_text
                    || ', en la proporción de hoy con los demás canales que los datos no distinguen'
                    || ' entre sí, y medirlo.'
            end
            || ' Apagarlo '
            || cast(experiment_days as {{ dbt.type_string() }}) || ' días'
            || ' (o en la mitad de las regiones durante '
            || cast(experiment_geo_days as {{ dbt.type_string() }}) || ' días)'
            || case
                when is_experiment_feasible then ' mediría su efecto con un error de ±25%.'
                else ' daría una primera medida (su efecto es pequeño frente al ruido de los datos).'
            end
    end as advice_text
from worded
