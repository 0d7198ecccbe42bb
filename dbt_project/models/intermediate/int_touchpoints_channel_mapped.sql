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

-- Rules are matched once per distinct combination of the matched fields, not once per
-- touchpoint: millions of touchpoints share a few hundred combinations, and matching is a
-- join on nullable patterns that cannot be hashed.
matchable_combinations as (
    select distinct
        touchpoints.utm_source,
        touchpoints.utm_medium,
        touchpoints.referring_domain
    from touchpoints
),

ranked_matches as (
    select
        matchable_combinations.utm_source,
        matchable_combinations.utm_medium,
        matchable_combinations.referring_domain,
        channel_mapping.channel_group as matched_channel_group,
        row_number() over (
            partition by
                matchable_combinations.utm_source,
                matchable_combinations.utm_medium,
                matchable_combinations.referring_domain
            order by channel_mapping.priority
        ) as match_rank
    from matchable_combinations
    left join channel_mapping
        on (channel_mapping.utm_source is null or channel_mapping.utm_source = matchable_combinations.utm_source)
        and (channel_mapping.utm_medium is null or channel_mapping.utm_medium = matchable_combinations.utm_medium)
        and (
            channel_mapping.referring_domain is null
            or channel_mapping.referring_domain = matchable_combinations.referring_domain
        )
),

combination_channels as (
    select
        ranked_matches.utm_source,
        ranked_matches.utm_medium,
        ranked_matches.referring_domain,
        ranked_matches.matched_channel_group
    from ranked_matches
    where ranked_matches.match_rank = 1
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
        case
            when touchpoints.utm_source is null
                and touchpoints.utm_medium is null
                and touchpoints.referring_domain is null
                then 'Directo'
            else coalesce(combination_channels.matched_channel_group, 'Otro')
        end as channel_group,
        touchpoints.partition_date
    from touchpoints
    -- NULL-safe equality written as hashable equalities (a coalesced value and its NULL
    -- flag): PostgreSQL cannot hash-join on `is not distinct from`.
    left join combination_channels
        on coalesce(touchpoints.utm_source, '') = coalesce(combination_channels.utm_source, '')
        and (touchpoints.utm_source is null) = (combination_channels.utm_source is null)
        and coalesce(touchpoints.utm_medium, '') = coalesce(combination_channels.utm_medium, '')
        and (touchpoints.utm_medium is null) = (combination_channels.utm_medium is null)
        and coalesce(touchpoints.referring_domain, '')
            = coalesce(combination_channels.referring_domain, '')
        and (touchpoints.referring_domain is null)
            = (combination_channels.referring_domain is null)
)

select * from mapped
