-- The contribution margin of each customer's valid orders to date (doc block
-- kpi_contribution_margin), with the customer's acquisition channel and signup day: what the
-- lifetime value is worth after costs. A customer's row depends on the customer alone: a
-- partition run recomputes the customers its window touched (macro touched_customers).
{{
    config(
        partition_customers={
            'dated': [['fct_order_margins', 'created_date']],
            'own_date': 'last_order_date',
        },
        indexes=postgres_only_indexes(['tenant_id', 'customer_id']),
        pre_hook="{{ hash_joins_only() }}",
    )
}}
with

{{ touched_customers_cte() }}

customers as (
    select * from {{ ref('dim_customers') }} as customers
    where {{ in_partition_tenants() }}
        and {{ of_touched_customers('customers') }}
),

order_margins as (
    select * from {{ ref('fct_order_margins') }} as order_margins
    where {{ in_partition_tenants() }}
        and customer_id is not null
        and {{ of_touched_customers('order_margins') }}
),

customer_totals as (
    select
        tenant_id,
        customer_id,
        min(created_date) as first_order_date,
        max(created_date) as last_order_date,
        count(*) as valid_orders,
        {{ sum_exact('net_revenue_amount') }} as net_revenue_amount,
        {{ sum_exact('contribution_margin_amount') }} as contribution_margin_amount
    from order_margins
    group by 1, 2
),

final as (
    select
        customer_totals.tenant_id,
        customer_totals.customer_id,
        customers.acquisition_channel,
        customers.signup_date,
        customer_totals.first_order_date,
        customer_totals.last_order_date,
        customer_totals.valid_orders,
        customer_totals.net_revenue_amount,
        customer_totals.contribution_margin_amount,
        {{ safe_divide('customer_totals.contribution_margin_amount',
                       'customer_totals.net_revenue_amount') }} as contribution_margin_rate
    from customer_totals
    inner join customers
        on customer_totals.tenant_id = customers.tenant_id
        and customer_totals.customer_id = customers.customer_id
)

select * from final
