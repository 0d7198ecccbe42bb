-- Short Spanish insights for the executive summary, one row per tenant and
-- insight, each sentence written from the numbers beside it (no hand-written
-- figures): the channel whose customers are worth most, the best and worst
-- LTV-ROAS, "Capital en riesgo", the recommended budget move and where the
-- next unit of spend returns most. An insight without data has no row.
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

budget_channels as (
    select * from {{ ref('mart_budget_channels') }}
),

diagnostics as (
    select * from {{ ref('stg_ml__mmm_diagnostics') }}
),

best_roas as (
    select * from channel_value where ltv_roas_rank = 1 and ltv_roas_ranked_channels >= 2
),

worst_roas as (
    select * from channel_value where ltv_roas_rank = ltv_roas_ranked_channels
),

latest_capital as (
    select
        capital.*,
        row_number() over (partition by tenant_id order by cutoff_date desc) as cutoff_rank
    from capital
),

marginal_ranked as (
    select
        budget_channels.*,
        diagnostics.metric_value as interval_level,
        row_number() over (
            partition by budget_channels.tenant_id
            order by budget_channels.marginal_roi desc, budget_channels.channel_group
        ) as marginal_rank
    from budget_channels
    inner join diagnostics
        on budget_channels.tenant_id = diagnostics.tenant_id
        and budget_channels.target = diagnostics.target
        and diagnostics.metric = 'interval'
    where budget_channels.target = 'revenue'
),

insights as (
    select
        tenant_id, 1 as insight_rank, 'canal_mayor_ltv' as insight_key, channel_group as subject,
        ltv_per_customer_amount as metric_value, tenant_ltv_per_customer_amount as comparison_value,
        channel_group || ' trae clientes con LTV '
        || {{ format_percent('ltv_per_customer_amount / tenant_ltv_per_customer_amount - 1') }}
        || ' superior al promedio: ' || {{ format_money('ltv_per_customer_amount', 'currency') }}
        || ' por cliente nuevo frente a ' || {{ format_money('tenant_ltv_per_customer_amount', 'currency') }}
        || ' (valor histórico + 12 meses predichos).' as insight_text
    from channel_value
    where ltv_rank = 1 and tenant_ltv_per_customer_amount > 0
    union all
    select
        best_roas.tenant_id, 2, 'ltv_roas', best_roas.channel_group,
        best_roas.ltv_roas, worst_roas.ltv_roas,
        best_roas.channel_group || ' devuelve ' || {{ format_number('best_roas.ltv_roas', 1) }}
        || ' veces lo invertido en valor de clientes (LTV-ROAS), frente a '
        || {{ format_number('worst_roas.ltv_roas', 1) }} || ' veces en ' || worst_roas.channel_group || '.'
    from best_roas
    inner join worst_roas
        on best_roas.tenant_id = worst_roas.tenant_id
    union all
    select
        tenant_id, 3, 'capital_en_riesgo', cast(null as {{ dbt.type_string() }}),
        capital_at_risk_amount, cast(customers_at_risk as double precision),
        'Capital en riesgo: ' || {{ format_money('capital_at_risk_amount', 'currency') }}
        || ' en ' || {{ format_number('customers_at_risk') }}
        || case when customers_at_risk = 1 then ' cliente (' else ' clientes (' end
        || {{ format_percent('customers_at_risk_rate') }}
        || ' de la cartera) con probabilidad de seguir activos bajo '
        || {{ format_percent('risk_prob_alive') }} || '.'
    from latest_capital
    where cutoff_rank = 1
    union all
    select
        tenant_id, 4, 'movimiento_presupuesto', cast(null as {{ dbt.type_string() }}),
        moved_amount, scenario_change,
        recommendation_text
    from recommendation
    where objective = 'revenue'
    union all
    select
        tenant_id, 5, 'roi_marginal', channel_group,
        marginal_roi, marginal_roi_low,
        'La próxima unidad invertida rinde más en ' || channel_group || ': '
        || {{ format_number('marginal_roi', 2) }} || ' de ingresos por unidad (ROI marginal; intervalo '
        || {{ format_percent('interval_level') }} || ': ' || {{ format_number('marginal_roi_low', 2) }}
        || ' a ' || {{ format_number('marginal_roi_high', 2) }} || ').'
        || case
            when is_identified then ''
            else ' Su efecto no está identificado con certeza: conviene validarlo con un experimento.'
        end
    from marginal_ranked
    where marginal_rank = 1
)

select * from insights
