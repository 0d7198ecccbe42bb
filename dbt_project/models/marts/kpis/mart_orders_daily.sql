{{ config(partition_date_column='created_date') }}

-- Orders per local day and hour, channel, place and payment method: the
-- additive inputs of AOV, cancellation rate and the order distributions.
with

orders as (
    select * from {{ ref('fct_orders') }}
    where {{ in_partition_window('created_date') }}
),

aggregated as (
    select
        orders.tenant_id,
        orders.created_date,
        orders.created_hour,
        coalesce(orders.channel_group, 'Directo') as channel_group,
        orders.region_name,
        orders.comuna,
        coalesce(orders.payment_method, 'Sin pago') as payment_method,
        count(*) as orders_created,
        sum(case when orders.is_cancelled then 1 else 0 end) as cancelled_orders,
        sum(case when orders.is_valid then 1 else 0 end) as valid_orders,
        sum(case when orders.is_valid then orders.total_amount else 0 end) as valid_orders_amount,
        sum(case when orders.is_valid then orders.net_amount else 0 end) as valid_orders_net_amount
    from orders
    group by 1, 2, 3, 4, 5, 6, 7
)

select * from aggregated
