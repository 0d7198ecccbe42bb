-- What each acquisition channel's new customers spend in their first days (docs:
-- mmm_first_days_revenue): the revenue model's evidence per channel. Rebuilt per tenant
-- (no partition_date_column): which customers are old enough depends on the tenant's last
-- order, and their orders may lie anywhere in its history.
with

customers as (
    select * from {{ ref('dim_customers') }}
    where {{ in_partition_tenants() }}
),

orders as (
    select * from {{ ref('fct_orders') }}
    where {{ in_partition_tenants() }}
),

cutoffs_found as (
    -- The data's last order day, valid or not: the first days must all lie before it.
    select
        orders.tenant_id,
        max(orders.created_date) as last_order_date
    from orders
    group by 1
),

customers_observed as (
    select
        customers.tenant_id,
        customers.customer_id,
        customers.acquisition_channel,
        customers.signup_date
    from customers
    inner join cutoffs_found
        on customers.tenant_id = cutoffs_found.tenant_id
    where {{ dbt.datediff('customers.signup_date', 'cutoffs_found.last_order_date', 'day') }}
        >= {{ var('mmm_first_days') }} - 1
),

first_days_summed as (
    -- Valid orders on the signup's local day and the days after it, within the window.
    select
        customers_observed.tenant_id,
        customers_observed.customer_id,
        sum(orders.total_amount) as first_days_amount
    from customers_observed
    inner join orders
        on customers_observed.tenant_id = orders.tenant_id
        and customers_observed.customer_id = orders.customer_id
        and orders.is_valid
        and orders.created_date >= customers_observed.signup_date
        and {{ dbt.datediff('customers_observed.signup_date', 'orders.created_date', 'day') }}
            < {{ var('mmm_first_days') }}
    group by 1, 2
),

channels_summed as (
    select
        customers_observed.tenant_id,
        customers_observed.acquisition_channel,
        count(*) as new_customers,
        coalesce(sum(first_days_summed.first_days_amount), 0) as first_days_revenue_amount
    from customers_observed
    left join first_days_summed
        on customers_observed.tenant_id = first_days_summed.tenant_id
        and customers_observed.customer_id = first_days_summed.customer_id
    group by 1, 2
)

select * from channels_summed
