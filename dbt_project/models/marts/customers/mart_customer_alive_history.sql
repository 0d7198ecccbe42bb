-- The customer brain's probability that a customer is still active (its purchase model's
-- P(alive), BG/NBD or MBG/NBD) over their life, as the latest fitted model reads their history
-- at each point: every month's last day from the first purchase on, every purchase day, and
-- the model's cut-off. A view:
-- the customer page reads one customer at a time, and a table would hold every customer once
-- per month. On Spark a table: its SQL (80 kB) is longer than a view's text may be in the
-- embedded Derby metastore (32 700 characters). Its CTEs are inlined on PostgreSQL so that a
-- reader's tenant and customer filter reaches the orders (macro not_materialized).
{{ config(
    materialized=view_or_table_on_spark(),
    post_hook="{{ security_invoker() }}",
) }}

with

latest_runs as {{ not_materialized() }} (
    select * from {{ ref('int_clv_latest_runs') }}
),

customer_orders as {{ not_materialized() }} (
    select * from {{ ref('mart_customer_orders_daily') }}
),

purchase_days as {{ not_materialized() }} (
    select tenant_id, customer_id, created_date as purchase_date
    from customer_orders
),

first_purchases as {{ not_materialized() }} (
    select tenant_id, customer_id, min(purchase_date) as first_purchase_date
    from purchase_days
    group by 1, 2
),

month_offsets as {{ not_materialized() }} (
    {{ dbt.generate_series(var('customer_life_line_months')) }}
),

month_ends as {{ not_materialized() }} (
    select
        first_purchases.tenant_id,
        first_purchases.customer_id,
        cast({{ dbt.last_day(dbt.dateadd('month', 'month_offsets.generated_number - 1', 'first_purchases.first_purchase_date'), 'month') }} as date)
            as as_of_date
    from first_purchases
    cross join month_offsets
),

as_of as {{ not_materialized() }} (
    select month_ends.tenant_id, month_ends.customer_id, month_ends.as_of_date, 'Fin de mes' as point_type
    from month_ends
    inner join latest_runs
        on month_ends.tenant_id = latest_runs.tenant_id
        and month_ends.as_of_date < latest_runs.cutoff_date
    union all
    select purchase_days.tenant_id, purchase_days.customer_id, purchase_days.purchase_date, 'Compra'
    from purchase_days
    inner join latest_runs
        on purchase_days.tenant_id = latest_runs.tenant_id
        and purchase_days.purchase_date <= latest_runs.cutoff_date
    union all
    select first_purchases.tenant_id, first_purchases.customer_id, latest_runs.cutoff_date, 'Corte del modelo'
    from first_purchases
    inner join latest_runs
        on first_purchases.tenant_id = latest_runs.tenant_id
        and first_purchases.first_purchase_date <= latest_runs.cutoff_date
),

as_of_days as {{ not_materialized() }} (
    -- A month's last day that is also a purchase day is one point, the purchase.
    select tenant_id, customer_id, as_of_date, min(point_type) as point_type
    from as_of
    group by 1, 2, 3
),

{{ purchase_histories_as_of('purchase_days', 'as_of_days') }}

select
    purchase_histories.tenant_id,
    purchase_histories.customer_id,
    purchase_histories.as_of_date,
    as_of_days.point_type,
    purchase_histories.repeat_days,
    purchase_histories.first_to_last_days,
    purchase_histories.age_days,
    {{ customer_prob_alive(
        'latest_runs.purchase_model', 'purchase_histories.repeat_days', 'purchase_histories.first_to_last_days',
        'purchase_histories.age_days', 'latest_runs.bgnbd_r', 'latest_runs.bgnbd_alpha',
        'latest_runs.bgnbd_a', 'latest_runs.bgnbd_b') }} as prob_alive,
    latest_runs.model_version
from purchase_histories
inner join as_of_days
    on purchase_histories.tenant_id = as_of_days.tenant_id
    and purchase_histories.customer_id = as_of_days.customer_id
    and purchase_histories.as_of_date = as_of_days.as_of_date
inner join latest_runs
    on purchase_histories.tenant_id = latest_runs.tenant_id
