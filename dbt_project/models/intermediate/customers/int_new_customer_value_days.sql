-- Per tenant, acquisition channel, sample of its customers (int_new_customers_observed) and day
-- since the signup (0 = the signup's local day) with a valid order of one of the sample's
-- customers in their first var('new_customer_value').days: what those orders brought (revenue
-- net of refunds, contribution margin; the first orders apart) and how many of the sample's
-- customers the data has seen on that day, the denominator of Nelson's mean cumulative
-- function (doc block kpi_new_customer_value).
{{ config(materialized='view') }}

with

customers_observed as (
    select * from {{ ref('int_new_customers_observed') }}
),

order_margins as (
    select * from {{ ref('fct_order_margins') }}
    where customer_id is not null
),

orders_ranked as (
    select
        order_margins.*,
        row_number() over (
            partition by order_margins.tenant_id, order_margins.customer_id
            order by order_margins.created_at, order_margins.order_id
        ) as order_rank
    from order_margins
),

orders_by_day as (
    select
        customers_observed.tenant_id,
        customers_observed.channel_group,
        customers_observed.customer_sample,
        {{ dbt.datediff('customers_observed.signup_date', 'orders_ranked.created_date', 'day') }}
            as day_offset,
        {{ sum_exact('orders_ranked.net_amount') }} as revenue_amount,
        {{ sum_exact('orders_ranked.contribution_margin_amount') }} as margin_amount,
        {{ sum_exact('case when orders_ranked.order_rank = 1 then orders_ranked.net_amount else 0 end') }}
            as first_order_revenue_amount,
        {{ sum_exact('case when orders_ranked.order_rank = 1 then orders_ranked.contribution_margin_amount else 0 end') }}
            as first_order_margin_amount,
        count(*) as orders,
        sum(case when orders_ranked.is_fully_costed then 1 else 0 end) as costed_orders
    from orders_ranked
    inner join customers_observed
        on orders_ranked.tenant_id = customers_observed.tenant_id
        and orders_ranked.customer_id = customers_observed.customer_id
    where orders_ranked.created_date >= customers_observed.signup_date
        and {{ dbt.datediff('customers_observed.signup_date', 'orders_ranked.created_date', 'day') }}
            < customers_observed.observed_days
    group by 1, 2, 3, 4
),

customers_by_observed_days as (
    select tenant_id, channel_group, customer_sample, observed_days, count(*) as customers
    from customers_observed
    group by 1, 2, 3, 4
),

days_at_risk as (
    select
        orders_by_day.tenant_id,
        orders_by_day.channel_group,
        orders_by_day.customer_sample,
        orders_by_day.day_offset,
        sum(customers_by_observed_days.customers) as customers_at_risk
    from orders_by_day
    inner join customers_by_observed_days
        on orders_by_day.tenant_id = customers_by_observed_days.tenant_id
        and orders_by_day.channel_group = customers_by_observed_days.channel_group
        and orders_by_day.customer_sample = customers_by_observed_days.customer_sample
        and customers_by_observed_days.observed_days > orders_by_day.day_offset
    group by 1, 2, 3, 4
),

final as (
    select orders_by_day.*, days_at_risk.customers_at_risk
    from orders_by_day
    inner join days_at_risk
        on orders_by_day.tenant_id = days_at_risk.tenant_id
        and orders_by_day.channel_group = days_at_risk.channel_group
        and orders_by_day.customer_sample = days_at_risk.customer_sample
        and orders_by_day.day_offset = days_at_risk.day_offset
)

select * from final
