{{ config(partition_date_column='created_date') }}

-- The contribution margin of each valid order (doc block kpi_contribution_margin): net revenue
-- without tax, less the cost of its lines, the gateways' fees and the costs of every order,
-- each at the cost valid on the order's local creation day (doc block cost_validity).
with

orders as (
    select * from {{ ref('fct_orders') }}
    where {{ in_partition_window('created_date') }}
        and is_valid
),

order_lines as (
    select * from {{ ref('fct_order_lines') }}
    where {{ in_partition_window('created_date') }}
        and is_valid_order
),

payment_fees as (
    select * from {{ ref('int_orders_payment_fees_summarized') }}
    where {{ in_partition_window('order_created_date') }}
),

product_costs as (
    select * from {{ ref('stg_costs__product_costs') }}
),

order_costs as (
    select * from {{ ref('stg_costs__order_costs') }}
),

tax_rates as (
    select * from {{ ref('stg_costs__tax_rates') }}
),

lines_costed as (
    select
        order_lines.tenant_id,
        order_lines.order_id,
        count(*) as lines_count,
        sum(case when product_costs.sku is null then 1 else 0 end) as uncosted_lines,
        {{ sum_exact('coalesce(order_lines.quantity * product_costs.unit_cost_amount, 0)') }}
            as cogs_amount
    from order_lines
    left join product_costs
        on order_lines.tenant_id = product_costs.tenant_id
        and order_lines.sku = product_costs.sku
        and order_lines.created_date >= product_costs.valid_from
        and (product_costs.valid_to is null or order_lines.created_date < product_costs.valid_to)
    group by 1, 2
),

orders_costed as (
    select
        orders.tenant_id,
        orders.order_id,
        {{ sum_exact('order_costs.cost_amount') }} as order_cost_amount
    from orders
    inner join order_costs
        on orders.tenant_id = order_costs.tenant_id
        and orders.created_date >= order_costs.valid_from
        and (order_costs.valid_to is null or orders.created_date < order_costs.valid_to)
    group by 1, 2
),

-- The store's own tax amount; else the rate valid that day (prices include the tax).
taxed as (
    select
        orders.*,
        coalesce(
            orders.tax_amount,
            orders.total_amount * tax_rates.tax_rate / (1 + tax_rates.tax_rate)
        ) as order_tax_amount
    from orders
    left join tax_rates
        on orders.tenant_id = tax_rates.tenant_id
        and orders.created_date >= tax_rates.valid_from
        and (tax_rates.valid_to is null or orders.created_date < tax_rates.valid_to)
),

margins as (
    select
        taxed.tenant_id,
        taxed.order_id,
        taxed.customer_id,
        taxed.created_at,
        taxed.created_date,
        coalesce(taxed.channel_group, 'Directo') as channel_group,
        taxed.payment_method,
        taxed.total_amount,
        taxed.refunded_amount,
        taxed.net_amount,
        -- Refunds return their share of the tax.
        coalesce(
            {{ safe_divide('taxed.order_tax_amount * taxed.net_amount', 'taxed.total_amount') }}, 0
        ) as net_tax_amount,
        coalesce(lines_costed.cogs_amount, 0) as cogs_amount,
        coalesce(payment_fees.payment_fee_amount, 0) as payment_fee_amount,
        coalesce(orders_costed.order_cost_amount, 0) as order_cost_amount,
        coalesce(lines_costed.lines_count, 0) as lines_count,
        coalesce(lines_costed.uncosted_lines, 0) as uncosted_lines,
        taxed.order_tax_amount is not null
            and coalesce(lines_costed.uncosted_lines, 0) = 0
            and coalesce(payment_fees.payments_without_fee, 0) = 0
            as is_fully_costed
    from taxed
    left join lines_costed
        on taxed.tenant_id = lines_costed.tenant_id
        and taxed.order_id = lines_costed.order_id
    left join payment_fees
        on taxed.tenant_id = payment_fees.tenant_id
        and taxed.order_id = payment_fees.order_id
    left join orders_costed
        on taxed.tenant_id = orders_costed.tenant_id
        and taxed.order_id = orders_costed.order_id
),

final as (
    select
        margins.*,
        margins.net_amount - margins.net_tax_amount as net_revenue_amount,
        margins.net_amount - margins.net_tax_amount - margins.cogs_amount
            - margins.payment_fee_amount - margins.order_cost_amount
            as contribution_margin_amount
    from margins
)

select * from final
