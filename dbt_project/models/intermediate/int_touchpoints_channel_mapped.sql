-- Every marketing touchpoint (a customer's signup, an order's landing) mapped
-- to a channel group by the editable channel_mapping rules: the matching rule
-- with the lowest priority wins; no information at all is 'Directo', and
-- information that no rule matches is 'Otro'.
with

customers as (
    select * from {{ ref('stg_shopify__customers') }}
),

orders as (
    select * from {{ ref('stg_shopify__orders') }}
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
        customers.signup_referring_domain as referring_domain
    from customers

    union all

    select
        orders.tenant_id,
        'order_landing' as touchpoint_type,
        orders.order_id as touchpoint_id,
        orders.landing_utm_source as utm_source,
        orders.landing_utm_medium as utm_medium,
        orders.landing_utm_campaign as utm_campaign,
        orders.referring_domain
    from orders
),

ranked_matches as (
    select
        touchpoints.tenant_id,
        touchpoints.touchpoint_type,
        touchpoints.touchpoint_id,
        touchpoints.utm_source,
        touchpoints.utm_medium,
        touchpoints.utm_campaign,
        touchpoints.referring_domain,
        channel_mapping.channel_group as matched_channel_group,
        row_number() over (
            partition by touchpoints.tenant_id, touchpoints.touchpoint_type, touchpoints.touchpoint_id
            order by channel_mapping.priority
        ) as match_rank
    from touchpoints
    left join channel_mapping
        on (channel_mapping.utm_source is null or channel_mapping.utm_source = touchpoints.utm_source)
        and (channel_mapping.utm_medium is null or channel_mapping.utm_medium = touchpoints.utm_medium)
        and (
            channel_mapping.referring_domain is null
            or channel_mapping.referring_domain = touchpoints.referring_domain
        )
),

mapped as (
    select
        tenant_id,
        touchpoint_type,
        touchpoint_id,
        utm_source,
        utm_medium,
        utm_campaign,
        referring_domain,
        utm_source is not null or utm_medium is not null or referring_domain is not null
            as has_touchpoint_data,
        case
            when utm_source is null and utm_medium is null and referring_domain is null
                then 'Directo'
            else coalesce(matched_channel_group, 'Otro')
        end as channel_group
    from ranked_matches
    where match_rank = 1
)

select * from mapped
