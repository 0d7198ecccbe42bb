-- One row per tenant and plan objective: the health light (mart_model_health,
-- the "Salud de datos" page) of the models its plans read, the worst light of
-- their checks, and the red checks in words. A plan reads the marketing-mix
-- model of its target; the customer-value plans (ltv, and net_value, the
-- margin net of spend) also value each new customer with the customer-value
-- model. The advice and the Simulador hold
-- their moves where this light is red (mart_budget_channel_advice,
-- mart_budget_scenario_summaries).
with

recommendations as (
    select * from {{ ref('stg_ml__budget_recommendations') }}
),

scenarios as (
    select * from {{ ref('stg_ml__budget_scenarios') }}
),

model_health as (
    select * from {{ ref('mart_model_health') }}
),

objectives as (
    select distinct tenant_id, objective, target from recommendations
    union
    select distinct tenant_id, objective, target from scenarios
),

objective_checks as (
    select
        objectives.tenant_id,
        objectives.objective,
        model_health.model_label,
        model_health.check_label,
        model_health.metric_text,
        model_health.status
    from objectives
    inner join model_health
        on objectives.tenant_id = model_health.tenant_id
        and (
            model_health.model_key = 'mmm_' || objectives.target
            or (objectives.objective in ('ltv', 'net_value') and model_health.model_key = 'clv')
        )
),

lights as (
    select
        objectives.tenant_id,
        objectives.objective,
        objectives.target,
        case
            when max(case when objective_checks.status = 'rojo' then 1 else 0 end) = 1 then 'rojo'
            when max(case when objective_checks.status = 'amarillo' then 1 else 0 end) = 1
                then 'amarillo'
            when count(objective_checks.status) > 0 then 'verde'
        end as health_status,
        -- «Mezcla de medios: ingresos», Error diario de ajuste (MAPE) 61,0%
        {{ dbt.listagg(
            "case when objective_checks.status = 'rojo' then '«' || objective_checks.model_label"
            ~ " || '», ' || objective_checks.check_label || ' ' || objective_checks.metric_text end",
            "'; '",
            "order by objective_checks.model_label, objective_checks.check_label"
        ) }} as red_checks_text
    from objectives
    left join objective_checks
        on objectives.tenant_id = objective_checks.tenant_id
        and objectives.objective = objective_checks.objective
    group by 1, 2, 3
)

select
    tenant_id,
    objective,
    target,
    health_status,
    coalesce(health_status = 'rojo', false) as is_health_red,
    red_checks_text
from lights
