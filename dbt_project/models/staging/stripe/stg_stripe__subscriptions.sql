with

source as (
    select * from {{ not_quarantined('stripe', 'subscriptions') }}
),

renamed as (
    select
        tenant_id,
        subscription_id,
        customer_id,
        lower(status) as subscription_status,
        upper(currency) as currency_original,
        lower(billing_interval) as billing_interval,
        cast(billing_interval_count as integer) as billing_interval_count,
        cast(quantity as integer) as quantity,
        cast(recurring_amount as {{ cerebro.type_amount() }}) as recurring_amount_original,
        cast(created_at as timestamp) as created_at,
        cast(started_at as timestamp) as started_at,
        cast(trial_end_at as timestamp) as trial_end_at,
        cast(current_period_end_at as timestamp) as current_period_end_at,
        cast(canceled_at as timestamp) as canceled_at,
        cast(ended_at as timestamp) as ended_at,
        coalesce(cancel_at_period_end, false) as is_cancel_at_period_end,
        _sdc_batched_at as loaded_at
    from source
),

rated as (
    -- A subscription billed in another currency is converted at the rate in force on its local
    -- day of creation (decision 0061), as a cost at its valid_from: what it was sold for.
    {{ with_exchange_rate(
        'renamed', 'currency_original',
        to_local_date('renamed.created_at', 'tenant_currencies.timezone')) }}
),

in_tenant_currency as (
    select
        tenant_id,
        subscription_id,
        customer_id,
        subscription_status,
        {{ converted_currency('currency_original') }} as currency,
        currency_original,
        exchange_rate,
        billing_interval,
        billing_interval_count,
        quantity,
        {{ converted_amount('recurring_amount_original') }} as recurring_amount,
        recurring_amount_original,
        created_at,
        started_at,
        trial_end_at,
        current_period_end_at,
        canceled_at,
        ended_at,
        is_cancel_at_period_end,
        loaded_at
    from rated
),

converted as (
    select
        in_tenant_currency.*,
        -- What the subscription bills, as a month's worth (the MRR it contributes while it
        -- lasts): Stripe bills every `billing_interval_count` days, weeks, months or years, so
        -- a month's worth is the amount times its intervals in a year over twelve. In double
        -- precision on every warehouse: Spark gives a quotient of decimals six decimals
        -- (1.0 / 12 = 0.083333, a yearly 120 000 would be 9 999.96 a month), and DuckDB
        -- divides decimals as doubles anyway.
        cast(
            cast(in_tenant_currency.recurring_amount as {{ type_double() }})
            * case in_tenant_currency.billing_interval
                when 'day' then 365
                when 'week' then 52
                when 'month' then 12
                when 'year' then 1
            end
            / (12 * nullif(in_tenant_currency.billing_interval_count, 0))
            as {{ cerebro.type_amount() }}
        ) as monthly_recurring_amount,
        -- Stripe's statuses of a subscription still billed (past_due and unpaid are still
        -- owed); an ended subscription is churned.
        in_tenant_currency.subscription_status in ('active', 'trialing', 'past_due', 'unpaid')
            as is_live,
        in_tenant_currency.ended_at is not null as has_ended
    from in_tenant_currency
)

select * from converted
