{{ config(partition_date_column='margin_date') }}

-- Resumen ejecutivo and Canales: the contribution margin per local day and channel group (doc
-- block kpi_contribution_margin) beside the channel's ad spend, so that "Beneficio neto" over
-- a period is the sum of the margin less the sum of the spend.
with

order_margins as (
    select * from {{ ref('fct_order_margins') }}
    where {{ in_partition_window('created_date') }}
),

channel_spend as (
    select * from {{ ref('mart_channel_spend_daily') }}
    where {{ in_partition_window('spend_date') }}
),

daily_margins as (
    select
        tenant_id,
        created_date as margin_date,
        channel_group,
        count(*) as valid_orders,
        sum(case when is_fully_costed then 0 else 1 end) as uncosted_orders,
        {{ sum_exact('net_revenue_amount') }} as net_revenue_amount,
        {{ sum_exact('cogs_amount') }} as cogs_amount,
        {{ sum_exact('payment_fee_amount') }} as payment_fee_amount,
        {{ sum_exact('order_cost_amount') }} as order_cost_amount,
        {{ sum_exact('contribution_margin_amount') }} as contribution_margin_amount
    from order_margins
    group by 1, 2, 3
),

combined as (
    select
        coalesce(daily_margins.tenant_id, channel_spend.tenant_id) as tenant_id,
        coalesce(daily_margins.margin_date, channel_spend.spend_date) as margin_date,
        coalesce(daily_margins.channel_group, channel_spend.channel_group) as channel_group,
        coalesce(daily_margins.valid_orders, 0) as valid_orders,
        coalesce(daily_margins.uncosted_orders, 0) as uncosted_orders,
        coalesce(daily_margins.net_revenue_amount, 0) as net_revenue_amount,
        coalesce(daily_margins.cogs_amount, 0) as cogs_amount,
        coalesce(daily_margins.payment_fee_amount, 0) as payment_fee_amount,
        coalesce(daily_margins.order_cost_amount, 0) as order_cost_amount,
        coalesce(daily_margins.contribution_margin_amount, 0) as contribution_margin_amount,
        coalesce(channel_spend.spend_amount, 0) as ad_spend_amount
    from daily_margins
    full outer join channel_spend
        on daily_margins.tenant_id = channel_spend.tenant_id
        and daily_margins.margin_date = channel_spend.spend_date
        and daily_margins.channel_group = channel_spend.channel_group
),

final as (
    select
        combined.*,
        combined.contribution_margin_amount - combined.ad_spend_amount as net_profit_amount
    from combined
)

select * from final
