{{ config(partition_date_column='created_date') }}

-- Valid orders and their revenue credited to channel groups by four attribution models
-- (doc block kpi_channel_attribution): each order's credit is split over its journey's
-- first visit, the sessions between (unobserved) and its last visit, then summed per day.
with

orders as (
    select * from {{ ref('fct_orders') }}
    where is_valid and {{ in_partition_window('created_date') }}
),

journeys as (
    select * from {{ ref('int_order_journeys') }}
),

joined as (
    select
        orders.tenant_id,
        orders.created_date,
        orders.total_amount,
        journeys.first_touch_channel_group,
        journeys.last_touch_channel_group,
        -- type_double(), not dbt.type_float(): a 4-byte float on DuckDB.
        cast(journeys.journey_sessions as {{ type_double() }}) as sessions
    from orders
    inner join journeys
        on orders.tenant_id = journeys.tenant_id
        and orders.order_id = journeys.order_id
),

-- One row per order and journey position with each model's share of the order; every
-- model's shares of an order add up to 1.
credited as (
    select
        joined.tenant_id,
        joined.created_date,
        joined.total_amount,
        joined.first_touch_channel_group as channel_group,
        1.0 as first_touch_share,
        0.0 as last_touch_share,
        1.0 / joined.sessions as linear_share,
        case when joined.sessions = 1 then 1.0 when joined.sessions = 2 then 0.5 else 0.4 end
            as position_based_share
    from joined

    union all

    select
        joined.tenant_id,
        joined.created_date,
        joined.total_amount,
        joined.last_touch_channel_group as channel_group,
        0.0 as first_touch_share,
        1.0 as last_touch_share,
        case when joined.sessions >= 2 then 1.0 / joined.sessions else 0.0 end as linear_share,
        case when joined.sessions = 1 then 0.0 when joined.sessions = 2 then 0.5 else 0.4 end
            as position_based_share
    from joined

    union all

    select
        joined.tenant_id,
        joined.created_date,
        joined.total_amount,
        'Visitas intermedias' as channel_group,
        0.0 as first_touch_share,
        0.0 as last_touch_share,
        (joined.sessions - 2) / joined.sessions as linear_share,
        0.2 as position_based_share
    from joined
    where joined.sessions >= 3
),

aggregated as (
    select
        credited.tenant_id,
        credited.created_date,
        credited.channel_group,
        {%- for model in ['first_touch', 'last_touch', 'linear', 'position_based'] %}
        -- Typed alike on both warehouses: shares are doubles, money the landed amount type.
        cast(sum(credited.{{ model }}_share) as {{ type_double() }}) as {{ model }}_orders,
        cast(sum(credited.{{ model }}_share * credited.total_amount) as {{ cerebro.type_amount() }})
            as {{ model }}_revenue_amount
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from credited
    group by 1, 2, 3
)

select * from aggregated
