-- Short Spanish insights for the executive summary, one row per tenant and
-- insight, each sentence written from the numbers beside it (no hand-written
-- figures): the channel whose customers are worth most, "Capital en riesgo",
-- the recommended budget move and then one line per paid channel. Every
-- sentence about a channel's budget is the budget brain's advice for the
-- headline objective (mart_budget_channel_advice), so the insights cannot
-- contradict the plan; `channel_group` and `direction` say which channel an
-- insight speaks of and which way it moves its budget. An insight without
-- data has no row.
with

channel_value as (
    select * from {{ ref('mart_executive_channel_value') }}
),

capital as (
    select * from {{ ref('mart_churn_radar_capital') }}
),

recommendation as (
    select * from {{ ref('mart_budget_recommendation') }}
),

advice as (
    select * from {{ ref('mart_budget_channel_advice') }}
    where is_headline_objective
),

latest_capital as (
    select
        capital.*,
        row_number() over (partition by tenant_id order by cutoff_date desc) as cutoff_rank
    from capital
),

insights as (
    select
        tenant_id, 1 as insight_rank, 'canal_mayor_ltv' as insight_key, channel_group as subject,
        ltv_per_customer_amount as metric_value, tenant_ltv_per_customer_amount as comparison_value,
        channel_group || ' trae clientes con LTV '
        || {{ format_percent('ltv_per_customer_amount / tenant_ltv_per_customer_amount - 1') }}
        || ' superior al promedio: ' || {{ format_money('ltv_per_customer_amount', 'currency') }}
        || ' por cliente nuevo frente a ' || {{ format_money('tenant_ltv_per_customer_amount', 'currency') }}
        || ' (valor histórico + 12 meses predichos).' as insight_text,
        cast(null as {{ dbt.type_int() }}) as direction
    from channel_value
    where ltv_rank = 1 and tenant_ltv_per_customer_amount > 0
    union all
    select
        tenant_id, 3, 'capital_en_riesgo', cast(null as {{ dbt.type_string() }}),
        capital_at_risk_amount, cast(customers_at_risk as double precision),
        'Capital en riesgo: ' || {{ format_money('capital_at_risk_amount', 'currency') }}
        || ' en ' || {{ format_number('customers_at_risk') }}
        || case when customers_at_risk = 1 then ' cliente (' else ' clientes (' end
        || {{ format_percent('customers_at_risk_rate') }}
        || ' de la cartera) con probabilidad de seguir activos bajo '
        || {{ format_percent('risk_prob_alive') }} || '.',
        cast(null as {{ dbt.type_int() }})
    from latest_capital
    where cutoff_rank = 1
    union all
    select
        tenant_id, 4, 'movimiento_presupuesto', cast(null as {{ dbt.type_string() }}),
        moved_amount, scenario_change,
        recommendation_text,
        cast(null as {{ dbt.type_int() }})
    from recommendation
    where is_headline_objective
    union all
    select
        tenant_id, 10 + row_number() over (
            partition by tenant_id order by abs(spend_change_amount) desc, channel_group
        ),
        'canal_' || lower(replace(channel_group, ' ', '_')), channel_group,
        spend_change_amount, expected_change,
        advice_text,
        direction
    from advice
)

select * from insights
