-- One line per precomputed plan: its total, the expected change of its
-- objective against today's spend with the interval, its net result (what
-- the change is worth less the extra spend) and its rank by that result, and
-- the allocation written out per channel (what the Simulador lists as saved
-- scenarios and budget levels, from the most to the least convenient).
--
-- The net result is computed here and nowhere else (`netted`): revenue and
-- customer-value plans are worth their change; a new-customers plan is worth
-- its customers valued at each channel's value of a new customer (the
-- customer-value plan's value_per_unit), empty where the tenant has none.
with

scenarios as (
    select * from {{ ref('mart_budget_scenarios') }}
),

diagnostics as (
    select * from {{ ref('stg_ml__mmm_diagnostics') }}
),

recommendations as (
    select * from {{ ref('stg_ml__budget_recommendations') }}
),

objective_health as (
    select * from {{ ref('mart_budget_objective_health') }}
),

interval_levels as (
    select tenant_id, target, metric_value as interval_level
    from diagnostics
    where metric = 'interval'
),

customer_values as (
    select distinct tenant_id, channel_group, value_per_unit
    from recommendations
    where objective = 'ltv'
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
        -- New customers in money: empty unless every channel has its value.
        case
            when count(customer_values.value_per_unit) = count(*)
                then sum(scenarios.expected_change * customer_values.value_per_unit)
        end as customers_value_change,
        {{ dbt.listagg(
            "scenarios.channel_group || ' ' || " ~ format_money('scenarios.optimal_spend_amount', 'scenarios.currency'),
            "' · '",
            "order by scenarios.channel_group"
        ) }} as allocation_text
    from scenarios
    left join customer_values
        on scenarios.tenant_id = customer_values.tenant_id
        and scenarios.channel_group = customer_values.channel_group
    group by 1, 2, 3
),

netted as (
    select
        summarized.*,
        summarized.total_budget_amount - summarized.current_spend_amount as extra_spend_amount,
        case
            when summarized.objective = 'new_customers' then summarized.customers_value_change
            else summarized.scenario_change
        end as value_change_amount,
        -- The interval moves with the change; spend is known. No interval for customers
        -- valued per channel (their draws are not kept).
        case when summarized.objective <> 'new_customers' then summarized.scenario_change_low end
            as value_change_low,
        case when summarized.objective <> 'new_customers' then summarized.scenario_change_high end
            as value_change_high
    from summarized
),

results as (
    select
        netted.*,
        netted.value_change_amount - netted.extra_spend_amount as net_change_amount,
        netted.value_change_low - netted.extra_spend_amount as net_change_low,
        netted.value_change_high - netted.extra_spend_amount as net_change_high,
        row_number() over (
            partition by netted.tenant_id, netted.objective, netted.scenario_kind
            order by
                case when netted.value_change_amount is null then 1 else 0 end,
                netted.value_change_amount - netted.extra_spend_amount desc,
                netted.scenario_change desc,
                netted.scenario_name
        ) as net_rank
    from netted
),

worded as (
    select
        results.*,
        interval_levels.interval_level,
        coalesce(objective_health.is_health_red, false) as is_health_red,
        {{ budget_change_text('results.objective', 'results.scenario_change', 'results.currency') }}
            as change_text,
        -- Spend within half a unit of today's is the same budget.
        case
            when abs(results.extra_spend_amount) < 0.5 then 'con el mismo presupuesto'
            when results.extra_spend_amount > 0 then 'por '
                || {{ format_money('results.extra_spend_amount', 'results.currency') }}
                || ' más de inversión'
            else 'con ' || {{ format_money('-results.extra_spend_amount', 'results.currency') }}
                || ' menos de inversión'
        end as extra_spend_text,
        case when {{ round_half_away('results.net_change_amount', 0) }} > 0 then '+' else '' end
            || {{ format_money('results.net_change_amount', 'results.currency') }} as net_amount_text,
        'con ' || {{ format_percent('interval_levels.interval_level', 0, 'results.currency') }}
            || ' de probabilidad, ' as probability_text
    from results
    left join interval_levels
        on results.tenant_id = interval_levels.tenant_id
        and results.target = interval_levels.target
    left join objective_health
        on results.tenant_id = objective_health.tenant_id
        and results.objective = objective_health.objective
)

select
    worded.*,
    -- What the interval means, in the words that show it.
    probability_text
        || {{ budget_interval_text('objective', 'scenario_change_low', 'scenario_change_high', 'currency') }}
        || ' según el modelo' as interval_text,
    case
        when net_change_amount is null then
            change_text || ' ' || extra_spend_text || ' (sin valor en dinero de los clientes nuevos)'
        else
            net_amount_text || ' netos: '
            || case
                when objective = 'new_customers' then change_text || ', valorados en '
                    || {{ format_money('value_change_amount', 'currency') }}
                else change_text
            end
            || ', ' || extra_spend_text
            || coalesce(
                '; ' || probability_text || 'el neto queda entre '
                || {{ format_money('net_change_low', 'currency') }} || ' y '
                || {{ format_money('net_change_high', 'currency') }} || ' según el modelo',
                ''
            )
    end as net_text,
    -- The Simulador's headline cards: no figure the evidence cannot tell from nothing.
    case
        when is_health_red then
            'Sin conclusión: el modelo tiene luz roja en Salud de datos'
        when scenario_change_low <= 0 and scenario_change_high >= 0 then
            'Sin diferencia clara: ' || probability_text
            || {{ budget_interval_text('objective', 'scenario_change_low', 'scenario_change_high', 'currency') }}
        when abs(extra_spend_amount) < 0.5 or net_change_amount is null then change_text
        else change_text || '; neto de la inversión adicional: ' || net_amount_text
    end as headline_text
from worded
