-- What each activation's customers did after it, per horizon (issue 24): valid orders (KPIS.md)
-- created in (activation day, activation day + horizon], local days, and their net amount;
-- and the customer brain's predicted 12-month value at the activation (the latest cut-off on
-- or before the activation day), a figure fixed before the treatment.
with

members as (
    select * from {{ ref('int_activation_members_assigned') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
    where is_valid and customer_id is not null
),

customer_value as (
    select * from {{ ref('mart_customer_value') }}
),

horizons as (
    {%- for days in var('activation_uplift_horizon_days') %}
    select {{ days }} as horizon_days
    {%- if not loop.last %} union all{% endif %}
    {%- endfor %}
),

values_at_activation as (
    -- mart_customer_value holds the latest model run; a cut-off after the activation would
    -- value the customer with what the treatment changed, so only earlier ones count.
    select
        members.tenant_id,
        members.destination,
        members.segment,
        members.customer_id,
        customer_value.predicted_clv_12m,
        row_number() over (
            partition by members.tenant_id, members.destination, members.segment,
                members.customer_id
            order by customer_value.cutoff_date desc
        ) as cutoff_rank
    from members
    inner join customer_value
        on members.tenant_id = customer_value.tenant_id
        and members.customer_id = customer_value.customer_id
        and customer_value.cutoff_date <= members.activation_date
),

windows as (
    select
        members.*,
        values_at_activation.predicted_clv_12m,
        horizons.horizon_days,
        cast({{ dbt.dateadd('day', 'horizons.horizon_days', 'members.activation_date') }} as date)
            as horizon_end_date
    from members
    cross join horizons
    left join values_at_activation
        on members.tenant_id = values_at_activation.tenant_id
        and members.destination = values_at_activation.destination
        and members.segment = values_at_activation.segment
        and members.customer_id = values_at_activation.customer_id
        and values_at_activation.cutoff_rank = 1
),

measured as (
    select
        windows.tenant_id,
        windows.destination,
        windows.segment,
        windows.run_id,
        windows.run_started_at,
        windows.customer_id,
        windows.horizon_days,
        windows.is_treated,
        windows.discount,
        windows.activation_date,
        windows.horizon_end_date,
        windows.predicted_clv_12m,
        count(orders.order_id) > 0 as has_purchase,
        coalesce({{ sum_exact('orders.net_amount') }}, 0) as revenue_amount
    from windows
    left join orders
        on windows.tenant_id = orders.tenant_id
        and windows.customer_id = orders.customer_id
        and orders.created_date > windows.activation_date
        and orders.created_date <= windows.horizon_end_date
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12
)

select * from measured
