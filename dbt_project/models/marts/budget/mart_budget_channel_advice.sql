-- One row per tenant, objective and paid channel: the budget brain's advice
-- for the channel (ml_budget_recommendations) in a Spanish sentence written
-- from the row's numbers, and whether the objective is the one the pages lead
-- with (customer value when the customer brain has valued every channel,
-- revenue otherwise). Every page sentence about a channel's budget reads
-- this mart, so none can contradict another.
--
-- Advice gated by its own evidence (docs/decisions/0050): where the plan for
-- today's budget moves money but the 90 % interval of its gain reaches zero,
-- or the light of a model it reads is red (mart_budget_objective_health), no
-- channel moves: action and direction say "mantener" (model_action and
-- model_direction keep the plan's), the sentence says why and names the
-- experiment that would decide.
--
-- One story with the margin and payback tables (docs/decisions/0053): where the
-- tenant's new customers are valued on margin, a plan that would increase a
-- channel none of whose cohorts observed for a year recovered its acquisition
-- cost within that year (mart_cac_payback, at least min_cohorts of them)
-- abstains too ('cohortes'): the model and the cohorts disagree, and the
-- experiment decides. The margin plan's sentences say what the next peso
-- leaves and how the channel's cohorts paid back.
{%- set settings = var('budget_margin_story') %}
{%- set months = settings.payback_months %}

with

recommendations as (
    select * from {{ ref('stg_ml__budget_recommendations') }}
),

tenants as (
    select * from {{ ref('dim_tenants') }}
),

objective_health as (
    select * from {{ ref('mart_budget_objective_health') }}
),

cac_payback as (
    select * from {{ ref('mart_cac_payback') }}
),

new_customer_value as (
    select * from {{ ref('mart_new_customer_value') }}
),

objectives_ranked as (
    select
        tenant_id,
        objective,
        {{ mmm_objective_rank_in_tenant('objective') }} as objective_rank
    from recommendations
    group by 1, 2
),

value_bases as (
    select tenant_id, min(value_basis) as value_basis
    from new_customer_value
    group by 1
),

-- Cohorts observed for more than the payback horizon, and those that recovered their
-- month's spend within it.
cohort_paybacks as (
    select
        tenant_id,
        channel_group,
        sum(case when months_observed > {{ months }} then 1 else 0 end) as matured_cohorts,
        sum(case when months_observed > {{ months }} and payback_months <= {{ months }}
            then 1 else 0 end) as paid_back_cohorts
    from cac_payback
    where new_customers > 0
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
        end as model_direction,
        coalesce(objective_health.is_health_red, false) as is_health_red,
        objective_health.red_checks_text,
        coalesce(value_bases.value_basis, 'revenue') as value_basis,
        cohort_paybacks.matured_cohorts,
        cohort_paybacks.paid_back_cohorts,
        -- The cohorts tell the opposite story when none of enough cohorts observed for a
        -- year paid back within it (on margin: revenue pays back by construction).
        coalesce(
            value_bases.value_basis = 'margin'
            and cohort_paybacks.matured_cohorts >= {{ settings.min_cohorts }}
            and cohort_paybacks.paid_back_cohorts = 0,
            false
        ) as is_never_paid_back,
        recommendations.total_budget_amount - sum(recommendations.recommended_spend_amount) over (
            partition by recommendations.tenant_id, recommendations.objective
        ) as unspent_amount,
        {{ format_money('recommendations.current_spend_amount', 'tenants.currency') }} as current_text,
        {{ format_money('recommendations.recommended_spend_amount', 'tenants.currency') }} as recommended_text,
        {{ budget_change_text('recommendations.objective', 'recommendations.expected_change', 'tenants.currency') }}
            as change_text,
        {{ budget_interval_text('recommendations.objective', 'recommendations.expected_change_low', 'recommendations.expected_change_high', 'tenants.currency') }}
            as interval_text,
        {{ budget_interval_text('recommendations.objective', 'recommendations.scenario_change_low', 'recommendations.scenario_change_high', 'tenants.currency') }}
            as plan_interval_text,
        {{ mmm_objective_noun('recommendations.objective') }} as objective_noun,
        cast(recommendations.period_days as {{ dbt.type_string() }}) as days_text
    from recommendations
    inner join tenants
        on recommendations.tenant_id = tenants.tenant_id
    inner join objectives_ranked
        on recommendations.tenant_id = objectives_ranked.tenant_id
        and recommendations.objective = objectives_ranked.objective
    left join objective_health
        on recommendations.tenant_id = objective_health.tenant_id
        and recommendations.objective = objective_health.objective
    left join value_bases
        on recommendations.tenant_id = value_bases.tenant_id
    left join cohort_paybacks
        on recommendations.tenant_id = cohort_paybacks.tenant_id
        and recommendations.channel_group = cohort_paybacks.channel_group
),

-- Per plan: the channels it would increase whose cohorts never paid back.
unpaid_receivers as (
    select
        tenant_id,
        objective,
        {{ dbt.listagg("channel_group", "' y '", "order by channel_group") }} as channels_text,
        min(matured_cohorts) as matured_cohorts
    from worded
    where model_direction > 0 and is_never_paid_back
    group by 1, 2
),

judged as (
    -- The plan moves when any of its channels does; a move is advised only when the
    -- interval of the whole plan's gain lies above zero, no model it reads is red and the
    -- cohorts of no channel it increases say that channel never pays back.
    select
        worded.*,
        unpaid_receivers.channels_text as unpaid_channels_text,
        unpaid_receivers.matured_cohorts as unpaid_matured_cohorts,
        case
            when max(abs(worded.model_direction)) over (
                partition by worded.tenant_id, worded.objective
            ) = 0 then cast(null as {{ dbt.type_string() }})
            when worded.is_health_red then 'salud'
            when unpaid_receivers.channels_text is not null then 'cohortes'
            when not {{ budget_gain_is_distinguished('worded.scenario_change_low') }} then 'intervalo'
        end as abstention_reason
    from worded
    left join unpaid_receivers
        on worded.tenant_id = unpaid_receivers.tenant_id
        and worded.objective = unpaid_receivers.objective
),

gated as (
    select
        judged.*,
        {{ budget_next_spend_text('judged.marginal_return', 'judged.currency') }} as next_spend_text,
        case
            when judged.value_basis <> 'margin' or coalesce(judged.matured_cohorts, 0) = 0 then ''
            when judged.paid_back_cohorts = 0 then
                ' Ninguna de sus ' || cast(judged.matured_cohorts as {{ dbt.type_string() }})
                || ' cohortes con más de {{ months }} meses observados recuperó su costo de'
                || ' adquisición en {{ months }} meses.'
            else
                ' ' || cast(judged.paid_back_cohorts as {{ dbt.type_string() }}) || ' de sus '
                || cast(judged.matured_cohorts as {{ dbt.type_string() }})
                || ' cohortes con más de {{ months }} meses observados '
                || case when judged.paid_back_cohorts = 1 then 'recuperó' else 'recuperaron' end
                || ' su costo de adquisición en {{ months }} meses.'
        end as payback_text,
        judged.abstention_reason is not null as is_abstained,
        judged.action as model_action,
        case
            when judged.abstention_reason is null then judged.action
            when judged.action in ('aumentar', 'reducir') then 'mantener'
            else judged.action
        end as advised_action,
        case when judged.abstention_reason is null then judged.model_direction else 0 end
            as advised_direction
    from judged
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
    advised_action as action,
    advised_direction as direction,
    model_action,
    model_direction,
    is_abstained,
    abstention_reason,
    red_checks_text,
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
    value_basis,
    matured_cohorts,
    paid_back_cohorts,
    is_never_paid_back,
    unpaid_channels_text,
    unpaid_matured_cohorts,
    unspent_amount,
    case
        when is_abstained and model_action in ('aumentar', 'reducir') then
            'Mantener ' || channel_group || ' en ' || current_text || ' en los próximos '
            || days_text || ' días: '
            || case abstention_reason
                when 'salud' then
                    'el modelo tiene luz roja en Salud de datos (' || red_checks_text
                    || '), así que los datos no distinguen si llevarlo a ' || recommended_text
                    || ' mejora ' || objective_noun || '.'
                when 'cohortes' then
                    'el modelo lo llevaría a ' || recommended_text || ' para mejorar '
                    || objective_noun || ', pero ninguna de las '
                    || cast(unpaid_matured_cohorts as {{ dbt.type_string() }})
                    || ' cohortes de ' || unpaid_channels_text || ' con más de {{ months }} meses'
                    || ' observados recuperó su costo de adquisición en {{ months }} meses'
                    || ' (Recuperación del CAC por cohorte): el modelo y las cohortes no cuentan'
                    || ' la misma historia.'
                else
                    'los datos no distinguen si llevarlo a ' || recommended_text || ' mejora '
                    || objective_noun || ': con 90% de probabilidad, según el modelo, el plan'
                    || ' completo los cambia ' || plan_interval_text
                    || case
                        when scenario_change_high < 0 then ', es decir, una pérdida.'
                        else ', lo que incluye no ganar nada.'
                    end
            end
            || coalesce(' ' || {{ budget_experiment_text("'Apagarlo'", 'experiment_days', 'experiment_geo_days', 'is_experiment_feasible') }}, '')
        -- The margin plan says what the channel's next peso leaves today, against what it
        -- costs, and how its cohorts paid back (the margin and payback tables' story).
        when advised_action = 'aumentar' and objective = 'net_value' then
            'Aumentar ' || channel_group || ' de ' || current_text || ' a ' || recommended_text
            || ' en los próximos ' || days_text || ' días: a su inversión de hoy, '
            || next_spend_text || ', más de lo que cuesta; ' || change_text
            || ' (con 90% de probabilidad, ' || interval_text || ' según el modelo).'
            || payback_text
        when advised_action = 'reducir' and objective = 'net_value' then
            'Reducir ' || channel_group || ' de ' || current_text || ' a ' || recommended_text
            || ' en los próximos ' || days_text || ' días: a su inversión de hoy, '
            || next_spend_text || ', '
            || case when marginal_return < 1 then 'menos de lo que cuesta'
                else 'menos que en los canales que reciben el dinero' end
            || '; ' || change_text
            || ' (con 90% de probabilidad, ' || interval_text || ' según el modelo).'
            || payback_text
        when advised_action = 'aumentar' then
            'Aumentar ' || channel_group || ' de ' || current_text || ' a ' || recommended_text
            || ' en los próximos ' || days_text || ' días: ' || change_text
            || ' (con 90% de probabilidad, ' || interval_text || ' según el modelo).'
        when advised_action = 'reducir' then
            'Reducir ' || channel_group || ' de ' || current_text || ' a ' || recommended_text
            || ' en los próximos ' || days_text || ' días: ' || change_text
            || ' (con 90% de probabilidad, ' || interval_text || ' según el modelo), una pérdida'
            || ' que ese dinero más que compensa en los canales que lo reciben.'
        when advised_action = 'mantener' and objective = 'net_value' then
            'Mantener ' || channel_group || ' en ' || current_text || ' en los próximos '
            || days_text || ' días: a su inversión de hoy, ' || next_spend_text
            || ', y el modelo no encuentra un reparto que lo mejore.' || payback_text
        when advised_action = 'mantener' then
            'Mantener ' || channel_group || ' en ' || current_text || ' en los próximos '
            || days_text || ' días: el modelo no encuentra un reparto que lo mejore.'
        else
            case
                when advised_direction = 0 then
                    'Mantener ' || channel_group || ' en ' || current_text || ' y medirlo: los datos no '
                    || 'permiten saber si rinde más o menos que el resto.'
                else
                    'Llevar ' || channel_group || ' de ' || current_text || ' a ' || recommended_text
                    || ', en la proporción de hoy con los demás canales que los datos no distinguen'
                    || ' entre sí, y medirlo.'
            end
            || ' ' || {{ budget_experiment_text("'Apagarlo'", 'experiment_days', 'experiment_geo_days', 'is_experiment_feasible') }}
    end as advice_text
from gated
