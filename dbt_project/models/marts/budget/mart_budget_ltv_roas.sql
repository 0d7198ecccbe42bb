-- Per tenant and paid channel group, LTV-ROAS over the latest new-customer model's fitted
-- window with its 90 % interval: the new customers the model attributes to the channel
-- (their interval included) valued at the value of one of the channel's new customers
-- (mart_new_customer_value, the one home of that figure), over the channel's spend in that
-- window. The Resumen's period chart divides the same kind of sums over the days a page
-- picks; this is the figure with what the model is sure of, and whether an experiment
-- calibrated it: an always-on channel that no experiment measured can be off by half its
-- interval (docs/demo.md).
with

channels as (
    select * from {{ ref('mart_budget_channels') }}
    where target = 'new_customers'
),

new_customer_values as (
    select * from {{ ref('mart_new_customer_value') }}
    where customer_value_amount is not null
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
        channels.identification_label
    from channels
    inner join new_customer_values
        on channels.tenant_id = new_customer_values.tenant_id
        and channels.channel_group = new_customer_values.channel_group
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
    identification_label
from valued
