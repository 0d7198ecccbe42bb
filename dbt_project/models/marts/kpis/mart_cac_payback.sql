-- Canales: CAC payback per paid channel and acquisition cohort month (doc block
-- kpi_cac_payback): months until the cohort's cumulative contribution margin reaches the
-- channel's spend of its month. Rebuilt per tenant (whole history).
with

customers as (
    select * from {{ ref('dim_customers') }}
    where {{ in_partition_tenants() }}
),

order_margins as (
    select * from {{ ref('fct_order_margins') }}
    where {{ in_partition_tenants() }}
        and customer_id is not null
),

ad_spend as (
    select * from {{ ref('fct_ad_spend_daily') }}
    where {{ in_partition_tenants() }}
),

cutoffs as (
    select * from {{ ref('int_tenant_data_cutoffs') }}
    where {{ in_partition_tenants() }}
),

cohort_customers as (
    select
        tenant_id,
        customer_id,
        acquisition_channel as channel_group,
        cast({{ dbt.date_trunc('month', 'signup_date') }} as date) as cohort_month
    from customers
),

cohort_sizes as (
    select tenant_id, channel_group, cohort_month, count(*) as new_customers
    from cohort_customers
    group by 1, 2, 3
),

monthly_spend as (
    select
        tenant_id,
        channel_group,
        cast({{ dbt.date_trunc('month', 'spend_date') }} as date) as cohort_month,
        sum(spend_amount) as acquisition_spend_amount
    from ad_spend
    group by 1, 2, 3
    having sum(spend_amount) > 0
),

-- The cohort's margin per month since its month (0 = the cohort's own month), cumulated.
cumulative_margins as (
    {{ cohort_cumulative_margins('cohort_customers', 'order_margins', ['channel_group']) }}
),

paybacks as (
    select
        cumulative_margins.tenant_id,
        cumulative_margins.channel_group,
        cumulative_margins.cohort_month,
        {{ sum_exact('cumulative_margins.contribution_margin_amount') }} as cohort_margin_amount,
        {{ payback_months('cumulative_margins', 'monthly_spend.acquisition_spend_amount') }}
            as payback_months
    from cumulative_margins
    inner join monthly_spend
        on cumulative_margins.tenant_id = monthly_spend.tenant_id
        and cumulative_margins.channel_group = monthly_spend.channel_group
        and cumulative_margins.cohort_month = monthly_spend.cohort_month
    group by 1, 2, 3
),

final as (
    select
        monthly_spend.tenant_id,
        monthly_spend.channel_group,
        monthly_spend.cohort_month,
        coalesce(cohort_sizes.new_customers, 0) as new_customers,
        monthly_spend.acquisition_spend_amount,
        {{ safe_divide('monthly_spend.acquisition_spend_amount', 'cohort_sizes.new_customers') }}
            as cac_amount,
        coalesce(paybacks.cohort_margin_amount, 0) as cohort_margin_amount,
        {{ dbt.datediff('monthly_spend.cohort_month', 'cutoffs.data_cutoff_date', 'month') }} + 1
            as months_observed,
        paybacks.payback_months
    from monthly_spend
    inner join cutoffs
        on monthly_spend.tenant_id = cutoffs.tenant_id
    left join cohort_sizes
        on monthly_spend.tenant_id = cohort_sizes.tenant_id
        and monthly_spend.channel_group = cohort_sizes.channel_group
        and monthly_spend.cohort_month = cohort_sizes.cohort_month
    left join paybacks
        on monthly_spend.tenant_id = paybacks.tenant_id
        and monthly_spend.channel_group = paybacks.channel_group
        and monthly_spend.cohort_month = paybacks.cohort_month
    -- Spend after the cut-off's month has no cohort to observe yet.
    where monthly_spend.cohort_month <= cutoffs.data_cutoff_date
)

select * from final
