-- The plan the Simulador shows for each objective its filter can ask for, per tenant: the one
-- asked for where the tenant has plans for it, else the tenant's headline objective among
-- those it has (mmm_objective_rank). A store whose new customers cannot all be valued has no
-- customer-value plan, and the page's default objective (Valor de clientes) left every card
-- of its plan empty; it now shows the plan the store has, and says which (estado_simulador).
with

planned as (
    select distinct tenant_id, objective
    from {{ ref('mart_budget_scenarios') }}
),

headline as (
    select
        tenant_id,
        objective,
        {{ mmm_objective_rank_in_tenant('objective') }} as objective_rank
    from planned
),

requested as (
    {% for objective in mmm_objectives() -%}
    select '{{ objective }}' as objective
    {% if not loop.last %}union all
    {% endif -%}
    {%- endfor %}
)

select
    headline.tenant_id,
    requested.objective as requested_objective,
    {{ mmm_objective_label('requested.objective') }} as requested_label,
    coalesce(planned.objective, headline.objective) as shown_objective,
    {{ mmm_objective_label('coalesce(planned.objective, headline.objective)') }} as shown_label,
    planned.objective is not null as is_requested_planned
from headline
cross join requested
left join planned
    on headline.tenant_id = planned.tenant_id
    and requested.objective = planned.objective
where headline.objective_rank = 1
