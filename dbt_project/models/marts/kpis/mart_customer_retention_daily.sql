-- The Retención page's figures as of any date (docs: kpi_repurchase_rate,
-- kpi_historical_ltv, kpi_mau, kpi_cohort_retention). Each customer's day with a
-- valid order or a checkout carries what happened to the customer that day as 0/1
-- counts: became a buyer (first valid order), a repeat buyer (second valid order),
-- a buyer of the month (first valid order of the calendar month). A figure as of a
-- date is a sum over the rows up to that date, for any date and any filter on the
-- customer's channel or region. A customer's rows depend on the customer alone: a partition
-- run recomputes the customers its window touched (macro touched_customers).
{{
    config(
        partition_customers={
            'dated': [['mart_customer_activity_daily', 'activity_date']],
            'own_date': 'activity_date',
        },
        indexes=postgres_only_indexes(['tenant_id', 'customer_id']),
        pre_hook="{{ hash_joins_only() }}",
    )
}}
with

{{ touched_customers_cte() }}

customer_activity as (
    select * from {{ ref('mart_customer_activity_daily') }} as activity
    where {{ in_partition_tenants() }}
        and {{ of_touched_customers('activity') }}
),

customer_orders as (
    select * from {{ ref('mart_customer_orders_daily') }} as customer_orders
    where {{ in_partition_tenants() }}
        and {{ of_touched_customers('customer_orders') }}
),

customers as (
    select * from {{ ref('dim_customers') }} as customers
    where {{ in_partition_tenants() }}
        and {{ of_touched_customers('customers') }}
),

days_joined as (
    select
        customer_activity.tenant_id,
        customer_activity.customer_id,
        customer_activity.activity_date,
        cast({{ dbt.date_trunc('month', 'customer_activity.activity_date') }} as date)
            as activity_month,
        customer_activity.has_valid_order,
        customer_activity.has_checkout,
        coalesce(customer_orders.valid_orders, 0) as valid_orders,
        coalesce(customer_orders.valid_orders_net_amount, 0) as valid_orders_net_amount
    from customer_activity
    left join customer_orders
        on customer_activity.tenant_id = customer_orders.tenant_id
        and customer_activity.customer_id = customer_orders.customer_id
        and customer_activity.activity_date = customer_orders.created_date
),

histories_counted as (
    select
        days_joined.*,
        sum(days_joined.valid_orders) over (
            partition by days_joined.tenant_id, days_joined.customer_id
            order by days_joined.activity_date
            rows between unbounded preceding and current row
        ) as valid_orders_to_date,
        min(case when days_joined.has_valid_order then days_joined.activity_date end) over (
            partition by days_joined.tenant_id, days_joined.customer_id
        ) as first_order_date,
        row_number() over (
            partition by days_joined.tenant_id, days_joined.customer_id,
                days_joined.activity_month, days_joined.has_valid_order
            order by days_joined.activity_date
        ) as day_in_month
    from days_joined
),

events_flagged as (
    select
        histories_counted.*,
        cast({{ dbt.date_trunc('month', 'histories_counted.first_order_date') }} as date)
            as cohort_month,
        case when histories_counted.activity_date = histories_counted.first_order_date
            then 1 else 0 end as new_buyers,
        case when histories_counted.valid_orders_to_date >= 2
            and histories_counted.valid_orders_to_date - histories_counted.valid_orders < 2
            then 1 else 0 end as new_repeat_buyers,
        case when histories_counted.has_valid_order and histories_counted.day_in_month = 1
            then 1 else 0 end as new_month_buyers
    from histories_counted
),

customers_described as (
    select
        events_flagged.tenant_id,
        events_flagged.customer_id,
        events_flagged.activity_date,
        events_flagged.activity_month,
        customers.acquisition_channel,
        customers.region_name,
        events_flagged.has_valid_order,
        events_flagged.has_checkout,
        events_flagged.valid_orders,
        events_flagged.valid_orders_net_amount,
        events_flagged.new_buyers,
        events_flagged.new_repeat_buyers,
        events_flagged.new_month_buyers,
        events_flagged.cohort_month,
        case when events_flagged.activity_month >= events_flagged.cohort_month
            then {{ dbt.datediff('events_flagged.cohort_month', 'events_flagged.activity_month', 'month') }}
        end as month_offset
    from events_flagged
    left join customers
        on events_flagged.tenant_id = customers.tenant_id
        and events_flagged.customer_id = customers.customer_id
)

select * from customers_described
