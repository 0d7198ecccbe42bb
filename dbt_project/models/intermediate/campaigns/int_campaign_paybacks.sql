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

margins_by_offset as (
    select
        new_customers.tenant_id,
        new_customers.channel_group,
        new_customers.campaign_key,
        new_customers.cohort_month,
        {{ dbt.datediff('new_customers.cohort_month', 'order_margins.created_date', 'month') }}
            as month_offset,
        {{ sum_exact('order_margins.contribution_margin_amount') }} as contribution_margin_amount
    from order_margins
    inner join new_customers
        on order_margins.tenant_id = new_customers.tenant_id
        and order_margins.customer_id = new_customers.customer_id
    group by 1, 2, 3, 4, 5
),

cumulative_margins as (
    select
        margins_by_offset.*,
        sum(margins_by_offset.contribution_margin_amount) over (
            partition by margins_by_offset.tenant_id, margins_by_offset.channel_group,
                margins_by_offset.campaign_key, margins_by_offset.cohort_month
            order by margins_by_offset.month_offset
            rows between unbounded preceding and current row
        ) as cumulative_margin_amount
    from margins_by_offset
),

paybacks as (
    select
        spend.tenant_id,
        spend.channel_group,
        spend.campaign_key,
        spend.month_start_date as cohort_month,
        coalesce({{ sum_exact('cumulative_margins.contribution_margin_amount') }}, 0)
            as cohort_margin_amount,
        min(case
            when cumulative_margins.cumulative_margin_amount >= spend.spend_amount
                then cumulative_margins.month_offset + 1
        end) as payback_months
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
