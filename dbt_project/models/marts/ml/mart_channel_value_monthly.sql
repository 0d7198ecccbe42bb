-- CAC, first-order ROAS and LTV:CAC per tenant, acquisition channel and local
-- month (KPIS.md). A channel's new customers are the customers whose signup
-- falls in the month and whose first-touch channel it is (the same customers as
-- `new_users` on the Adquisición page). First-order revenue is the total of
-- their first valid order, whenever it happens up to the data's cut-off; their
-- value is the channel's value of a new customer (mart_new_customer_value, the
-- figure's one home) times their number. The mart keeps sums, so a dashboard
-- computes any period's figure as sum(numerator) / sum(denominator), never as a
-- mean of monthly ratios.
with

customers as (
    select * from {{ ref('dim_customers') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
    where is_valid
),

new_customer_values as (
    select * from {{ ref('mart_new_customer_value') }}
),

ad_spend as (
    select * from {{ ref('fct_ad_spend_daily') }}
),

ranked_orders as (
    select
        tenant_id,
        customer_id,
        total_amount,
        net_amount,
        row_number() over (
            partition by tenant_id, customer_id
            order by created_at, order_id
        ) as order_rank
    from orders
    where customer_id is not null
),

customer_order_values as (
    select
        tenant_id,
        customer_id,
        sum(case when order_rank = 1 then total_amount else 0 end) as first_order_amount
    from ranked_orders
    group by 1, 2
),

new_customers as (
    select
        customers.tenant_id,
        cast({{ dbt.date_trunc('month', 'customers.signup_date') }} as date) as month_start_date,
        customers.acquisition_channel as channel_group,
        count(*) as new_customers,
        sum(case when customer_order_values.customer_id is not null then 1 else 0 end)
            as new_customers_with_orders,
        sum(coalesce(customer_order_values.first_order_amount, 0)) as first_order_amount
    from customers
    left join customer_order_values
        on customers.tenant_id = customer_order_values.tenant_id
        and customers.customer_id = customer_order_values.customer_id
    group by 1, 2, 3
),

monthly_spend as (
    select
        tenant_id,
        cast({{ dbt.date_trunc('month', 'spend_date') }} as date) as month_start_date,
        channel_group,
        sum(spend_amount) as spend_amount
    from ad_spend
    group by 1, 2, 3
),

combined as (
    select
        coalesce(new_customers.tenant_id, monthly_spend.tenant_id) as tenant_id,
        coalesce(new_customers.month_start_date, monthly_spend.month_start_date)
            as month_start_date,
        coalesce(new_customers.channel_group, monthly_spend.channel_group) as channel_group,
        coalesce(monthly_spend.spend_amount, 0) as spend_amount,
        coalesce(new_customers.new_customers, 0) as new_customers,
        coalesce(new_customers.new_customers_with_orders, 0) as new_customers_with_orders,
        coalesce(new_customers.first_order_amount, 0) as first_order_amount
    from new_customers
    full outer join monthly_spend
        on new_customers.tenant_id = monthly_spend.tenant_id
        and new_customers.month_start_date = monthly_spend.month_start_date
        and new_customers.channel_group = monthly_spend.channel_group
),

valued as (
    select
        combined.*,
        new_customer_values.customer_value_amount,
        new_customer_values.value_basis,
        combined.new_customers * new_customer_values.customer_value_amount
            as new_customers_value_amount
    from combined
    left join new_customer_values
        on combined.tenant_id = new_customer_values.tenant_id
        and combined.channel_group = new_customer_values.channel_group
),

final as (
    select
        tenant_id,
        month_start_date,
        channel_group,
        spend_amount,
        new_customers,
        new_customers_with_orders,
        first_order_amount,
        customer_value_amount,
        value_basis,
        new_customers_value_amount,
        {{ safe_divide('spend_amount', 'new_customers') }} as cac_amount,
        {{ safe_divide('first_order_amount', 'spend_amount') }} as first_order_roas,
        -- value / cac = new customers' value / spend, and NULL like cac when the channel
        -- won no customer that month.
        case
            when new_customers > 0 then
                {{ safe_divide('new_customers_value_amount', 'spend_amount') }}
        end as ltv_cac
    from valued
)

select * from final
