-- The value of a new customer (doc block kpi_new_customer_value), per tenant and acquisition
-- channel: what one of its signups brings in the var('new_customer_value').days days from the
-- signup, first order included, by Nelson's mean cumulative function (decision 0051): each
-- day since the signup adds what that day's orders brought over the customers the data has
-- seen that long, so a young customer counts for the days lived and an old one for them all.
-- On contribution margin when the tenant's costs price its orders, else on revenue net of
-- refunds. Rebuilt per tenant (whole history): the days seen depend on the tenant's cut-off.
{%- set settings = var('new_customer_value') %}

with

samples as (
    select * from {{ ref('int_new_customer_value_samples') }}
    where {{ in_partition_tenants() }}
        and sample_rank = 1
),

value_days as (
    select * from {{ ref('int_new_customer_value_days') }}
    where {{ in_partition_tenants() }}
),

tenants as (
    select * from {{ ref('dim_tenants') }}
),

-- Nelson's estimator: each day's value over the sample's customers seen on that day.
channel_values as (
    select
        samples.tenant_id,
        samples.channel_group,
        {{ sum_exact('value_days.revenue_amount / value_days.customers_at_risk') }}
            as revenue_amount,
        {{ sum_exact('value_days.margin_amount / value_days.customers_at_risk') }}
            as margin_amount,
        {{ sum_exact('value_days.first_order_revenue_amount / value_days.customers_at_risk') }}
            as first_order_revenue_amount,
        {{ sum_exact('value_days.first_order_margin_amount / value_days.customers_at_risk') }}
            as first_order_margin_amount,
        sum(value_days.orders) as orders,
        sum(value_days.costed_orders) as costed_orders
    from samples
    inner join value_days
        on samples.tenant_id = value_days.tenant_id
        and samples.channel_group = value_days.channel_group
        and samples.customer_sample = value_days.customer_sample
        and value_days.day_offset < samples.horizon_days
    group by 1, 2
),

-- Margin when at least min_costed_share of the tenant's counted orders are fully costed.
tenant_bases as (
    select
        tenant_id,
        case
            when sum(costed_orders) >= {{ settings.min_costed_share }} * sum(orders) then 'margin'
            else 'revenue'
        end as value_basis
    from channel_values
    group by 1
),

final as (
    select
        samples.tenant_id,
        samples.channel_group,
        tenants.currency,
        samples.new_customers,
        samples.customer_sample,
        samples.customers as sample_customers,
        samples.customers_seen_whole_horizon,
        samples.horizon_days,
        coalesce(tenant_bases.value_basis, 'revenue') as value_basis,
        case when tenant_bases.value_basis = 'margin' then 'margen de contribución'
            else 'ingresos' end as value_basis_label,
        case when samples.horizon_days > 0 then coalesce(
            case when tenant_bases.value_basis = 'margin'
                then channel_values.first_order_margin_amount
                else channel_values.first_order_revenue_amount end, 0)
        end as first_order_value_amount,
        case when samples.horizon_days > 0 then coalesce(
            case when tenant_bases.value_basis = 'margin'
                then channel_values.margin_amount else channel_values.revenue_amount end, 0)
        end as customer_value_amount,
        case when samples.horizon_days > 0 then coalesce(channel_values.revenue_amount, 0) end
            as revenue_value_amount,
        case when samples.horizon_days > 0 then coalesce(channel_values.margin_amount, 0) end
            as margin_value_amount
    from samples
    inner join tenants
        on samples.tenant_id = tenants.tenant_id
    left join channel_values
        on samples.tenant_id = channel_values.tenant_id
        and samples.channel_group = channel_values.channel_group
    left join tenant_bases
        on samples.tenant_id = tenant_bases.tenant_id
)

select * from final
