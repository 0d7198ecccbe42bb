-- What the health score (docs: kpi_customer_health) measures, per customer and week end, as
-- of that day: the last `weeks` week ends up to the customer brain's cut-off, for every
-- customer with a valid purchase by then. mart_customer_health_weekly turns these measures
-- into signals in [0, 1] and weighs them.
{#- A table, not a view: it is millions of customer-weeks (7.8 M at the large benchmark),
    which the mart and this model's own tests would otherwise each compute again. -#}
{{ config(materialized='table') }}
{%- set settings = var('customer_health_score') %}

with

latest_runs as (
    select * from {{ ref('int_clv_latest_runs') }}
),

customer_orders as (
    select * from {{ ref('mart_customer_orders_daily') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

payment_failures as (
    select * from {{ ref('int_orders_payment_failures_counted') }}
),

week_ends as (
    {%- for weeks_back in range(settings.weeks) %}
    select
        latest_runs.tenant_id,
        cast({{ dbt.dateadd('day', -7 * weeks_back, 'latest_runs.cutoff_date') }} as date) as as_of_date
    from latest_runs
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

purchase_days as (
    select tenant_id, customer_id, created_date as purchase_date
    from customer_orders
),

-- Each purchase day paired with every week end on or after it, grouped once per customer and
-- week end: the purchase history and the trend's two windows in one pass. (Pairing customers
-- with week ends first and joining their purchase days back, once per measure, made
-- PostgreSQL sort and spill the 7.8 M customer-weeks of the large benchmark three times:
-- 133 s against 65 s.) A customer is in a week from their first purchase on.
purchase_histories as (
    select
        purchase_days.tenant_id,
        purchase_days.customer_id,
        week_ends.as_of_date,
        {{ purchase_history_measures('purchase_days', 'week_ends.as_of_date') }},
        -- Purchase days in the trend window and in the one before it; none in either: unknown.
        case when sum(case when purchase_days.purchase_date > {{ dbt.dateadd('day', -2 * settings.trend_window_days, 'week_ends.as_of_date') }} then 1 else 0 end) > 0
            then sum(case when purchase_days.purchase_date > {{ dbt.dateadd('day', -settings.trend_window_days, 'week_ends.as_of_date') }}
                then 1 else 0 end)
        end as recent_purchase_days,
        case when sum(case when purchase_days.purchase_date > {{ dbt.dateadd('day', -2 * settings.trend_window_days, 'week_ends.as_of_date') }} then 1 else 0 end) > 0
            then sum(case when purchase_days.purchase_date <= {{ dbt.dateadd('day', -settings.trend_window_days, 'week_ends.as_of_date') }}
                and purchase_days.purchase_date > {{ dbt.dateadd('day', -2 * settings.trend_window_days, 'week_ends.as_of_date') }}
                then 1 else 0 end)
        end as previous_purchase_days
    from purchase_days
    inner join week_ends
        on purchase_days.tenant_id = week_ends.tenant_id
        and purchase_days.purchase_date <= week_ends.as_of_date
    group by 1, 2, 3
),

order_quality as (
    -- The customer's orders (valid or not) placed in the quality window: ratings given, how
    -- many were cancelled or refunded, how many had a failed payment attempt.
    select
        orders.tenant_id,
        orders.customer_id,
        week_ends.as_of_date,
        count(*) as window_orders,
        avg(orders.rating) as mean_rating,
        sum(case when orders.is_cancelled or orders.refunded_amount > 0 then 1 else 0 end)
            as cancelled_or_refunded_orders,
        sum(case when payment_failures.order_id is not null then 1 else 0 end)
            as orders_with_failed_payment
    from orders
    inner join week_ends
        on orders.tenant_id = week_ends.tenant_id
        and orders.created_date <= week_ends.as_of_date
        and orders.created_date > {{ dbt.dateadd('day', -settings.quality_window_days, 'week_ends.as_of_date') }}
    left join payment_failures
        on orders.tenant_id = payment_failures.tenant_id
        and orders.order_id = payment_failures.order_id
    group by 1, 2, 3
),

tenant_rhythms as (
    -- A customer with one purchase has no rhythm of their own: the tenant's mean gap between
    -- purchase days among its repeat customers, as of the same day, stands in.
    select
        tenant_id,
        as_of_date,
        avg(cast(first_to_last_days as {{ type_double() }}) / repeat_days) as rhythm_days
    from purchase_histories
    where repeat_days > 0
    group by 1, 2
),

joined as (
    select
        purchase_histories.*,
        latest_runs.model_version,
        {{ customer_prob_alive(
            'latest_runs.purchase_model', 'purchase_histories.repeat_days', 'purchase_histories.first_to_last_days',
            'purchase_histories.age_days', 'latest_runs.bgnbd_r', 'latest_runs.bgnbd_alpha',
            'latest_runs.bgnbd_a', 'latest_runs.bgnbd_b') }} as prob_alive,
        {{ dbt.datediff('purchase_histories.last_purchase_date', 'purchase_histories.as_of_date', 'day') }}
            as days_since_last_purchase,
        case
            when purchase_histories.repeat_days > 0
                then cast(purchase_histories.first_to_last_days as {{ type_double() }}) / purchase_histories.repeat_days
            else tenant_rhythms.rhythm_days
        end as rhythm_days,
        coalesce(order_quality.window_orders, 0) as window_orders,
        order_quality.mean_rating,
        order_quality.cancelled_or_refunded_orders,
        order_quality.orders_with_failed_payment
    from purchase_histories
    inner join latest_runs
        on purchase_histories.tenant_id = latest_runs.tenant_id
    left join tenant_rhythms
        on purchase_histories.tenant_id = tenant_rhythms.tenant_id
        and purchase_histories.as_of_date = tenant_rhythms.as_of_date
    left join order_quality
        on purchase_histories.tenant_id = order_quality.tenant_id
        and purchase_histories.customer_id = order_quality.customer_id
        and purchase_histories.as_of_date = order_quality.as_of_date
)

select * from joined
