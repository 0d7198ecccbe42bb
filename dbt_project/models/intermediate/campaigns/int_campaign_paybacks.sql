-- One row per tenant, channel group, ad campaign and cohort month with spend: the months until
-- the campaign's cohort's cumulative contribution margin reached the campaign's spend of its
-- month, as mart_cac_payback measures a channel's (doc block kpi_cac_payback), and the months
-- the data has observed.
with

spend as (
    select * from {{ ref('int_campaign_spend_monthly') }}
    where spend_amount > 0
),

new_customers as (
    select * from {{ ref('int_campaign_new_customers') }}
),

order_margins as (
    select * from {{ ref('fct_order_margins') }}
    where customer_id is not null
),

cutoffs as (
    select * from {{ ref('int_tenant_data_cutoffs') }}
),

cumulative_margins as (
    {{ cohort_cumulative_margins('new_customers', 'order_margins',
                                 ['channel_group', 'campaign_key']) }}
),

paybacks as (
    select
        spend.tenant_id,
        spend.channel_group,
        spend.campaign_key,
        spend.month_start_date as cohort_month,
        coalesce({{ sum_exact('cumulative_margins.contribution_margin_amount') }}, 0)
            as cohort_margin_amount,
        {{ payback_months('cumulative_margins', 'spend.spend_amount') }} as payback_months
    from spend
    left join cumulative_margins
        on spend.tenant_id = cumulative_margins.tenant_id
        and spend.channel_group = cumulative_margins.channel_group
        and spend.campaign_key = cumulative_margins.campaign_key
        and spend.month_start_date = cumulative_margins.cohort_month
    group by 1, 2, 3, 4
),

final as (
    select
        paybacks.*,
        {{ dbt.datediff('paybacks.cohort_month', 'cutoffs.data_cutoff_date', 'month') }} + 1
            as months_observed
    from paybacks
    inner join cutoffs
        on paybacks.tenant_id = cutoffs.tenant_id
)

select * from final
