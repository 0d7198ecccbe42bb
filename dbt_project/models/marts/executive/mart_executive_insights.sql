-- Short Spanish insights for the executive summary, one row per tenant and
-- insight, each sentence written from the numbers beside it (no hand-written
-- figures): the channel whose customers are worth most, "Capital en riesgo",
-- the recommended budget move, one line per paid channel, then the measured uplift of the
-- most recent completed activations (mart_activation_uplift's sentences). Every
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

uplift as (
    select * from {{ ref('mart_activation_uplift') }}
    where is_complete
),

-- Each completed activation once, at its longest completed horizon; the most recent first.
latest_uplift as (
    select
        uplift.*,
        row_number() over (
            partition by uplift.tenant_id, uplift.destination, uplift.segment, uplift.run_id
            order by uplift.horizon_days desc
        ) as horizon_rank
    from uplift
),

recent_uplift as (
    select
        latest_uplift.*,
        row_number() over (
            partition by latest_uplift.tenant_id
            order by latest_uplift.run_started_at desc, latest_uplift.destination,
                latest_uplift.segment, latest_uplift.run_id
        ) as recency_rank
    from latest_uplift
    where latest_uplift.horizon_rank = 1
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
        || {{ format_percent('ltv_per_customer_amount / tenant_ltv_per_customer_amount - 1', 0, 'currency') }}
        || ' superior al promedio: ' || {{ format_money('ltv_per_customer_amount', 'currency') }}
        || ' por cliente nuevo frente a ' || {{ format_money('tenant_ltv_per_customer_amount', 'currency') }}
        || ' (sus primeros 12 meses, primera compra incluida, en ' || value_basis_label || ').'
            as insight_text,
        cast(null as {{ dbt.type_int() }}) as direction
    from channel_value
    where ltv_rank = 1 and tenant_ltv_per_customer_amount > 0
    union all
    select
        tenant_id, 3, 'capital_en_riesgo', cast(null as {{ dbt.type_string() }}),
        capital_at_risk_amount, cast(customers_at_risk as {{ type_double() }}),
        'Capital en riesgo: ' || {{ format_money('capital_at_risk_amount', 'currency') }}
        || ' en ' || {{ format_number('customers_at_risk', 0, 'currency') }}
        || case when customers_at_risk = 1 then ' cliente en riesgo (' else ' clientes en riesgo (' end
        || {{ format_percent('customers_at_risk_rate', 0, 'currency') }}
        || ' de la cartera), con probabilidad de seguir activos bajo '
        || {{ format_percent('risk_prob_alive', 0, 'currency') }} || '.',
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
    union all
    select
        tenant_id, 100 + recency_rank,
        'activacion_' || destination || '_' || run_id || '_' || segment, segment,
        incremental_revenue_amount, incremental_customers,
        uplift_text,
        cast(null as {{ dbt.type_int() }})
    from recent_uplift
    where recency_rank <= {{ var('activation_insights_max') }}
)

select * from insights
