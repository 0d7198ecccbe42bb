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

-- Rules are matched once per distinct combination of the matched fields, not once per row.
matchable_combinations as (
    select distinct
        traffic.utm_source,
        traffic.utm_medium,
        traffic.referring_domain
    from traffic
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
        case
            when traffic.utm_source is null
                and traffic.utm_medium is null
                and traffic.referring_domain is null
                then 'Directo'
            else coalesce(combination_channels.matched_channel_group, 'Otro')
        end as channel_group,
        traffic.sessions,
        traffic.total_users,
        traffic.engaged_sessions,
        traffic.key_events
    from traffic
    -- NULL-safe equality written as hashable equalities (a coalesced value and its NULL flag),
    -- as in int_touchpoints_channel_mapped: PostgreSQL cannot hash-join on `is not distinct from`.
    left join combination_channels
        on coalesce(traffic.utm_source, '') = coalesce(combination_channels.utm_source, '')
        and (traffic.utm_source is null) = (combination_channels.utm_source is null)
        and coalesce(traffic.utm_medium, '') = coalesce(combination_channels.utm_medium, '')
        and (traffic.utm_medium is null) = (combination_channels.utm_medium is null)
        and coalesce(traffic.referring_domain, '') = coalesce(combination_channels.referring_domain, '')
        and (traffic.referring_domain is null) = (combination_channels.referring_domain is null)
)

select * from mapped
