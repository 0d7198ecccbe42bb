-- Per tenant and paid channel group, LTV-ROAS over the latest new-customer model's fitted
-- window with its 90 % interval: the new customers the model attributes to the channel
-- (their interval included) valued at the value of one of the channel's new customers
-- (mart_new_customer_value, the one home of that figure), over the channel's spend in that
-- window. The Resumen's period chart divides the same kind of sums over the days a page
-- picks; this is the figure with what the model is sure of, and whether an experiment
-- calibrated it, or else whether the channel's spend was ever off: a channel with spend on
-- nearly every day (var always_on_day_share) shows the model how the next peso works, not how
-- many customers it brings at all, and its level leans on the curve's prior (docs/demo.md).
with

channels as (
    select * from {{ ref('mart_budget_channels') }}
    where target = 'new_customers'
),

new_customer_values as (
    select * from {{ ref('mart_new_customer_value') }}
    where customer_value_amount is not null
),

spend_days as (
    select * from {{ ref('mart_channel_spend_daily') }}
),

-- The model's window runs from the tenant's first day of ad spend to its cut-off.
first_spend_days as (
    select tenant_id, min(spend_date) as first_spend_date
    from spend_days
    group by tenant_id
),

active_days as (
    select
        channels.tenant_id,
        channels.channel_group,
        count(distinct spend_days.spend_date) as days_with_spend,
        {{ dbt.datediff('first_spend_days.first_spend_date', 'channels.cutoff_date', 'day') }} + 1
            as window_days
    from channels
    inner join first_spend_days
        on channels.tenant_id = first_spend_days.tenant_id
    left join spend_days
        on channels.tenant_id = spend_days.tenant_id
        and channels.channel_group = spend_days.channel_group
        and spend_days.spend_amount > 0
        and spend_days.spend_date between first_spend_days.first_spend_date
            and channels.cutoff_date
    group by channels.tenant_id, channels.channel_group, first_spend_days.first_spend_date,
        channels.cutoff_date
),

valued as (
    select
        channels.tenant_id,
        channels.channel_group,
        channels.cutoff_date,
        channels.currency,
        new_customer_values.value_basis,
        channels.spend_amount,
        channels.contribution as model_new_customers,
        channels.contribution_low as model_new_customers_low,
        channels.contribution_high as model_new_customers_high,
        new_customer_values.customer_value_amount,
        channels.contribution * new_customer_values.customer_value_amount as model_value_amount,
        -- A customer worth less than nothing (margin below zero) turns the interval round.
        least(
            channels.contribution_low * new_customer_values.customer_value_amount,
            channels.contribution_high * new_customer_values.customer_value_amount
        ) as model_value_low_amount,
        greatest(
            channels.contribution_low * new_customer_values.customer_value_amount,
            channels.contribution_high * new_customer_values.customer_value_amount
        ) as model_value_high_amount,
        channels.is_calibrated,
        channels.identification_label,
        {{ safe_divide('active_days.days_with_spend', 'active_days.window_days') }}
            as active_day_share
    from channels
    inner join new_customer_values
        on channels.tenant_id = new_customer_values.tenant_id
        and channels.channel_group = new_customer_values.channel_group
    inner join active_days
        on channels.tenant_id = active_days.tenant_id
        and channels.channel_group = active_days.channel_group
)

select
    tenant_id,
    channel_group,
    cutoff_date,
    currency,
    value_basis,
    spend_amount,
    model_new_customers,
    model_new_customers_low,
    model_new_customers_high,
    customer_value_amount,
    {{ safe_divide('model_value_amount', 'spend_amount') }} as ltv_roas,
    {{ safe_divide('model_value_low_amount', 'spend_amount') }} as ltv_roas_low,
    {{ safe_divide('model_value_high_amount', 'spend_amount') }} as ltv_roas_high,
    is_calibrated,
    identification_label,
    active_day_share,
    case
        when is_calibrated then 'Experimento'
        when active_day_share >= {{ var('always_on_day_share') }}
            then 'Extrapolado: el canal casi nunca se apagó'
        else 'Días con y sin inversión'
    end as level_evidence_label
from valued
