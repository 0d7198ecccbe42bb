-- Per tenant, acquisition channel, sample of its customers (int_new_customers_observed) and day
-- since the signup (0 = the signup's local day) with a valid order of one of the sample's
-- customers in their first var('new_customer_value').days: what those orders brought (revenue
-- net of refunds, contribution margin; the first orders apart) and how many of the sample's
-- customers the data has seen on that day, the denominator of Nelson's mean cumulative
-- function (doc block kpi_new_customer_value).
-- Incremental, rebuilt per tenant like int_campaign_touches: as a view, its two data tests and
-- mart_new_customer_value each computed it again (7 s a test for every store's night at the
-- agency size on PostgreSQL).
{{ config(materialized='incremental') }}

with

customers_observed as {{ not_materialized() }} (
    select * from {{ ref('int_new_customers_observed') }}
    where {{ in_partition_tenants() }}
),

order_margins as (
    select * from {{ ref('fct_order_margins') }}
    where {{ in_partition_tenants() }}
        and customer_id is not null
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

-- A sample's customers at risk on a day are those the data has seen for longer: its customers
-- less those whose days seen end on or before it. One sequence per sample holds its order days
-- and, before any order day at the same offset, its customers' last days seen; a running sum
-- counts who has left. (A join on days seen > day offset multiplies the rows, and PostgreSQL,
-- which cannot estimate either side, ran it as a nested loop: 8 minutes at the agency size.)
day_rows as (
    select
        tenant_id,
        channel_group,
        customer_sample,
        day_offset,
        revenue_amount,
        margin_amount,
        first_order_revenue_amount,
        first_order_margin_amount,
        orders,
        costed_orders,
        0 as customers_leaving,
        1 as is_order_day
    from orders_by_day
    union all
    select
        tenant_id,
        channel_group,
        customer_sample,
        observed_days as day_offset,
        null as revenue_amount,
        null as margin_amount,
        null as first_order_revenue_amount,
        null as first_order_margin_amount,
        null as orders,
        null as costed_orders,
        customers as customers_leaving,
        0 as is_order_day
    from customers_by_observed_days
),

customers_counted as (
    select
        day_rows.*,
        sum(customers_leaving) over (
            partition by tenant_id, channel_group, customer_sample
        ) - sum(customers_leaving) over (
            partition by tenant_id, channel_group, customer_sample
            order by day_offset, is_order_day
            rows between unbounded preceding and current row
        ) as customers_at_risk
    from day_rows
),

final as (
    select
        tenant_id,
        channel_group,
        customer_sample,
        day_offset,
        revenue_amount,
        margin_amount,
        first_order_revenue_amount,
        first_order_margin_amount,
        orders,
        costed_orders,
        customers_at_risk
    from customers_counted
    where is_order_day = 1
)

select * from final
