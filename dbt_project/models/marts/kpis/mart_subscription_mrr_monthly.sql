-- The monthly MRR waterfall of a tenant's subscriptions (docs: kpi_subscription_mrr, decision
-- 0071): each subscriber's change from the end of the month before to the end of the month is
-- one movement (new, reactivation, expansion, contraction or churn), and the movements add up
-- from the opening MRR to the closing MRR. Every month from the first with MRR to the
-- snapshot's has a row.
with

customer_months as (
    select * from {{ ref('int_subscription_customer_months') }}
    where {{ in_partition_tenants() }}
),

movements_classified as (
    select
        tenant_id,
        customer_id,
        mrr_month,
        opening_mrr_amount,
        closing_mrr_amount,
        case when opening_mrr_amount = 0 and closing_mrr_amount > 0 and first_mrr_month = mrr_month
            then closing_mrr_amount else 0 end as new_mrr_amount,
        case when opening_mrr_amount = 0 and closing_mrr_amount > 0 and first_mrr_month < mrr_month
            then closing_mrr_amount else 0 end as reactivation_mrr_amount,
        case when opening_mrr_amount > 0 and closing_mrr_amount > opening_mrr_amount
            then closing_mrr_amount - opening_mrr_amount else 0 end as expansion_mrr_amount,
        case when opening_mrr_amount > 0 and closing_mrr_amount > 0 and closing_mrr_amount < opening_mrr_amount
            then opening_mrr_amount - closing_mrr_amount else 0 end as contraction_mrr_amount,
        case when opening_mrr_amount > 0 and closing_mrr_amount = 0
            then opening_mrr_amount else 0 end as churned_mrr_amount
    from customer_months
),

months_summed as (
    select
        tenant_id,
        mrr_month,
        sum(opening_mrr_amount) as opening_mrr_amount,
        sum(new_mrr_amount) as new_mrr_amount,
        sum(expansion_mrr_amount) as expansion_mrr_amount,
        sum(contraction_mrr_amount) as contraction_mrr_amount,
        sum(churned_mrr_amount) as churned_mrr_amount,
        sum(reactivation_mrr_amount) as reactivation_mrr_amount,
        sum(closing_mrr_amount) as closing_mrr_amount,
        count(case when opening_mrr_amount > 0 then 1 end) as opening_subscribers,
        count(case when new_mrr_amount > 0 then 1 end) as new_subscribers,
        count(case when reactivation_mrr_amount > 0 then 1 end) as reactivated_subscribers,
        count(case when churned_mrr_amount > 0 then 1 end) as churned_subscribers,
        count(case when closing_mrr_amount > 0 then 1 end) as active_subscribers
    from movements_classified
    group by 1, 2
),

months_spanned as (
    -- Every month between a tenant's first and last, also one where nobody held MRR.
    select
        tenant_id,
        min(mrr_month) as first_month,
        max(mrr_month) as last_month
    from months_summed
    group by 1
),

month_offsets as (
    {{ dbt.generate_series(var('subscription_mrr_months')) }}
),

months as (
    select
        months_spanned.tenant_id,
        cast({{ dbt.dateadd('month', 'month_offsets.generated_number - 1', 'months_spanned.first_month') }} as date)
            as mrr_month,
        months_spanned.last_month
    from months_spanned
    cross join month_offsets
),

rates_computed as (
    select
        months.tenant_id,
        months.mrr_month,
        {% for column in ['opening_mrr_amount', 'new_mrr_amount', 'expansion_mrr_amount', 'contraction_mrr_amount',
                          'churned_mrr_amount', 'reactivation_mrr_amount', 'closing_mrr_amount'] -%}
        coalesce(months_summed.{{ column }}, 0) as {{ column }},
        {% endfor -%}
        {% for column in ['opening_subscribers', 'new_subscribers', 'reactivated_subscribers',
                          'churned_subscribers', 'active_subscribers'] -%}
        coalesce(months_summed.{{ column }}, 0) as {{ column }},
        {% endfor -%}
        {{ safe_divide('months_summed.churned_subscribers', 'months_summed.opening_subscribers') }}
            as logo_churn_rate,
        {{ safe_divide('months_summed.churned_mrr_amount + months_summed.contraction_mrr_amount', 'months_summed.opening_mrr_amount') }}
            as mrr_churn_rate,
        {{ safe_divide('months_summed.opening_mrr_amount + months_summed.expansion_mrr_amount - months_summed.contraction_mrr_amount - months_summed.churned_mrr_amount', 'months_summed.opening_mrr_amount') }}
            as net_revenue_retention
    from months
    left join months_summed
        on months.tenant_id = months_summed.tenant_id
        and months.mrr_month = months_summed.mrr_month
    where months.mrr_month <= months.last_month
)

select * from rates_computed
