{{
    config(
        materialized='incremental',
        partition_date_column='partition_date',
        unique_key=['tenant_id', 'touchpoint_type', 'touchpoint_id'],
    )
}}
{#- Incremental like its readers, fct_orders and dim_customers (decision 0017): a partition
    run re-reads what they read, the window's orders (dated by their local creation day) and
    the window's customers (dated by their last change) with all their orders (their first
    order's landing is a customer's channel when the signup has none), lookback included,
    and replaces those rows by key. A full build reads everything. -#}
{%- set window = partition_window() if is_incremental() else none %}

-- Every marketing touchpoint (a customer's signup, an order's landing and the last
-- visit of its journey) mapped
-- to a channel group by the editable channel_mapping rules: the matching rule
-- with the lowest priority wins; no information at all is 'Directo', and
-- information that no rule matches is 'Otro'.
with

customers as (
    {{ dated_customers(window, [
        'signup_utm_source', 'signup_utm_medium', 'signup_utm_campaign',
        'signup_referring_domain',
    ]) }}
),

orders as (
    {{ dated_orders(window, [
        'landing_utm_source', 'landing_utm_medium', 'landing_utm_campaign', 'referring_domain',
        'last_visit_utm_source', 'last_visit_utm_medium', 'last_visit_utm_campaign',
        'last_visit_referring_domain', 'last_visit_at',
    ], 'partition_date', of_window_customers=true) }}
),

channel_mapping as (
    select * from {{ ref('channel_mapping') }}
),

touchpoints as (
    select
        customers.tenant_id,
        'customer_signup' as touchpoint_type,
        customers.customer_id as touchpoint_id,
        customers.signup_utm_source as utm_source,
        customers.signup_utm_medium as utm_medium,
        customers.signup_utm_campaign as utm_campaign,
        customers.signup_referring_domain as referring_domain,
        customers.partition_date
    from customers

    union all

    select
        orders.tenant_id,
        'order_landing' as touchpoint_type,
        orders.order_id as touchpoint_id,
        orders.landing_utm_source as utm_source,
        orders.landing_utm_medium as utm_medium,
        orders.landing_utm_campaign as utm_campaign,
        orders.referring_domain,
        orders.partition_date
    from orders

    union all

    -- The last session of the order's customer journey (the attribution marts' last touch),
    -- only where Shopify recorded one: a missing visit is no visit, not a direct one.
    select
        orders.tenant_id,
        'order_last_visit' as touchpoint_type,
        orders.order_id as touchpoint_id,
        orders.last_visit_utm_source as utm_source,
        orders.last_visit_utm_medium as utm_medium,
        orders.last_visit_utm_campaign as utm_campaign,
        orders.last_visit_referring_domain as referring_domain,
        orders.partition_date
    from orders
    where orders.last_visit_at is not null
),

combination_channels as (
    {{ channel_rule_matches('touchpoints', 'channel_mapping') }}
),

mapped as (
    select
        touchpoints.tenant_id,
        touchpoints.touchpoint_type,
        touchpoints.touchpoint_id,
        touchpoints.utm_source,
        touchpoints.utm_medium,
        touchpoints.utm_campaign,
        touchpoints.referring_domain,
        touchpoints.utm_source is not null
            or touchpoints.utm_medium is not null
            or touchpoints.referring_domain is not null
            as has_touchpoint_data,
        {{ channel_group_of('touchpoints', 'combination_channels') }} as channel_group,
        touchpoints.partition_date
    from touchpoints
    left join combination_channels
        on {{ channel_rule_join('touchpoints', 'combination_channels') }}
)

select * from mapped
