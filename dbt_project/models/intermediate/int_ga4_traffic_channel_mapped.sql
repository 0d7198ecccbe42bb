-- GA4's sessions per property, day and session source / medium / campaign, each row given a
-- channel group by the editable channel_mapping rules as the store's touchpoints are
-- (int_touchpoints_channel_mapped): the matching rule with the lowest priority wins; no
-- source, medium or referring site at all is 'Directo', and information no rule matches 'Otro'.
with

traffic as (
    select * from {{ ref('stg_ga4__traffic_daily') }}
),

channel_mapping as (
    select * from {{ ref('channel_mapping') }}
),

combination_channels as (
    {{ channel_rule_matches('traffic', 'channel_mapping') }}
),

mapped as (
    select
        traffic.tenant_id,
        traffic.property_id,
        traffic.session_date,
        traffic.session_source,
        traffic.session_medium,
        traffic.session_campaign_name,
        traffic.utm_source,
        traffic.utm_medium,
        traffic.utm_campaign,
        traffic.referring_domain,
        {{ channel_group_of('traffic', 'combination_channels') }} as channel_group,
        traffic.sessions,
        traffic.total_users,
        traffic.engaged_sessions,
        traffic.key_events
    from traffic
    left join combination_channels
        on {{ channel_rule_join('traffic', 'combination_channels') }}
)

select * from mapped
