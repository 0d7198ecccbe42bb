-- A subscriber's MRR at the end of each local month (docs: kpi_subscription_mrr, decision
-- 0071): one row per tenant, customer and month in which the customer held MRR at the month's
-- end or at the end of the month before (the month of a churn), each month up to the month of
-- the subscriptions' snapshot.
with

subscriptions as (
    select * from {{ ref('stg_stripe__subscriptions') }}
    where {{ in_partition_tenants() }}
),

tenants as (
    select * from {{ ref('dim_tenants') }}
),

paid_spans as (
    -- What a subscription bills as a month's worth, from the end of its trial (its start when it
    -- had none) until it ended. Stripe's incomplete subscriptions never paid, a paused one is a
    -- trial that ended without a payment method, a trialing one has not paid yet: none is MRR.
    select
        subscriptions.tenant_id,
        coalesce(subscriptions.customer_id, subscriptions.subscription_id) as customer_id,
        subscriptions.monthly_recurring_amount,
        cast({{ dbt.date_trunc('month', to_local_date(
            'greatest(coalesce(subscriptions.trial_end_at, subscriptions.started_at, subscriptions.created_at), coalesce(subscriptions.started_at, subscriptions.created_at))',
            'tenants.timezone')) }} as date) as paid_from_month,
        cast({{ dbt.date_trunc('month', to_local_date(
            "coalesce(subscriptions.ended_at, case when subscriptions.subscription_status = 'canceled' then subscriptions.canceled_at end)",
            'tenants.timezone')) }} as date) as ended_month
    from subscriptions
    inner join tenants
        on subscriptions.tenant_id = tenants.tenant_id
    where subscriptions.subscription_status not in ('incomplete', 'incomplete_expired', 'paused', 'trialing')
        and subscriptions.monthly_recurring_amount > 0
),

snapshots as (
    -- The subscriptions are a snapshot re-read whole each day: its local month is the last.
    select
        subscriptions.tenant_id,
        cast({{ dbt.date_trunc('month', to_local_date('max(subscriptions.loaded_at)', 'max(tenants.timezone)')) }} as date)
            as snapshot_month
    from subscriptions
    inner join tenants
        on subscriptions.tenant_id = tenants.tenant_id
    group by 1
),

month_offsets as (
    {{ dbt.generate_series(var('subscription_mrr_months')) }}
),

months as (
    select
        snapshots.tenant_id,
        cast({{ dbt.dateadd('month', '1 - month_offsets.generated_number', 'snapshots.snapshot_month') }} as date)
            as mrr_month
    from snapshots
    cross join month_offsets
),

customer_closings as (
    select
        paid_spans.tenant_id,
        paid_spans.customer_id,
        months.mrr_month,
        sum(paid_spans.monthly_recurring_amount) as closing_mrr_amount
    from paid_spans
    inner join months
        on paid_spans.tenant_id = months.tenant_id
        and paid_spans.paid_from_month <= months.mrr_month
        and (paid_spans.ended_month is null or paid_spans.ended_month > months.mrr_month)
    group by 1, 2, 3
),

first_months as (
    select tenant_id, customer_id, min(mrr_month) as first_mrr_month
    from customer_closings
    group by 1, 2
),

customer_months as (
    select tenant_id, customer_id, mrr_month from customer_closings
    union
    -- The month after each month with MRR, where the customer may have churned.
    select customer_closings.tenant_id, customer_closings.customer_id, months.mrr_month
    from customer_closings
    inner join months
        on customer_closings.tenant_id = months.tenant_id
        and months.mrr_month = cast({{ dbt.dateadd('month', '1', 'customer_closings.mrr_month') }} as date)
),

balances_joined as (
    select
        customer_months.tenant_id,
        customer_months.customer_id,
        customer_months.mrr_month,
        coalesce(previous_closings.closing_mrr_amount, 0) as opening_mrr_amount,
        coalesce(customer_closings.closing_mrr_amount, 0) as closing_mrr_amount,
        first_months.first_mrr_month
    from customer_months
    inner join first_months
        on customer_months.tenant_id = first_months.tenant_id
        and customer_months.customer_id = first_months.customer_id
    left join customer_closings
        on customer_months.tenant_id = customer_closings.tenant_id
        and customer_months.customer_id = customer_closings.customer_id
        and customer_months.mrr_month = customer_closings.mrr_month
    left join customer_closings as previous_closings
        on customer_months.tenant_id = previous_closings.tenant_id
        and customer_months.customer_id = previous_closings.customer_id
        and previous_closings.mrr_month = cast({{ dbt.dateadd('month', '-1', 'customer_months.mrr_month') }} as date)
)

select * from balances_joined
