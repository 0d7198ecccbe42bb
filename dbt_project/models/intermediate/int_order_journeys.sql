{{
    config(
        materialized='incremental',
        partition_date_column='order_created_date',
    )
}}
{#- Incremental like the other per-order intermediates (decision 0017): a partition run
    re-reads the window's orders (their local creation day, lookback included) and their
    touchpoints, which carry the same day, and replaces their rows. As a view, each of its
    three tests and its reader computed every journey of the run's tenants again: 3 s of
    a one-tenant partition run at the large size. -#}
{%- set window = partition_window() if is_incremental() else none %}

-- One row per order per tenant: the channel groups (and UTM campaigns) of its journey's first
-- and last visit and
-- how many sessions the journey counts, as the attribution marts credit them
-- (doc block kpi_channel_attribution).
with

orders as (
    {{ dated_orders(window, ['first_visit_at', 'last_visit_at', 'journey_moments_count']) }}
),

-- Read twice: inlined (PostgreSQL), so each read takes its own touchpoint type instead of
-- every touchpoint of the window being gathered first.
touchpoints as {{ not_materialized() }} (
    select * from {{ ref('int_touchpoints_channel_mapped') }}
    where {{ partition_window_predicate(window, 'partition_date') }}
),

first_visits as (
    select * from touchpoints
    where touchpoints.touchpoint_type = 'order_landing'
),

last_visits as (
    select * from touchpoints
    where touchpoints.touchpoint_type = 'order_last_visit'
),

joined as (
    select
        orders.tenant_id,
        orders.order_id,
        -- fct_orders' channel: no journey at all is 'Directo', as no UTM or referrer is.
        coalesce(first_visits.channel_group, 'Directo') as first_touch_channel_group,
        -- A journey whose last visit Shopify did not give closed in its first visit.
        coalesce(last_visits.channel_group, first_visits.channel_group, 'Directo')
            as last_touch_channel_group,
        -- The UTM campaign of the same visits (the campaign marts' first and last click): the
        -- last visit's only where Shopify gave that visit, as for its channel.
        first_visits.utm_campaign as first_touch_utm_campaign,
        case when last_visits.touchpoint_id is not null then last_visits.utm_campaign
            else first_visits.utm_campaign end as last_touch_utm_campaign,
        -- Two sessions are known when the last visit started after the first; one otherwise
        -- (a single-session journey has the same visit as first and last).
        case when orders.last_visit_at > orders.first_visit_at then 2 else 1 end
            as known_sessions,
        orders.journey_moments_count,
        orders.order_created_date
    from orders
    left join first_visits
        on orders.tenant_id = first_visits.tenant_id
        and orders.order_id = first_visits.touchpoint_id
    left join last_visits
        on orders.tenant_id = last_visits.tenant_id
        and orders.order_id = last_visits.touchpoint_id
),

counted as (
    select
        joined.tenant_id,
        joined.order_id,
        joined.first_touch_channel_group,
        joined.last_touch_channel_group,
        joined.first_touch_utm_campaign,
        joined.last_touch_utm_campaign,
        -- Shopify's count, never fewer than the visits it gave us; while it is still
        -- attributing the order (count NULL) the known visits are the whole journey.
        greatest(coalesce(joined.journey_moments_count, 0), joined.known_sessions)
            as journey_sessions,
        joined.order_created_date
    from joined
)

select * from counted
