with

source as (
    select * from {{ not_quarantined('ga4', 'traffic_daily') }}
),

renamed as (
    select
        tenant_id,
        property_id,
        -- The property's reporting day (its time zone, the tenant's as a rule: decision 0074).
        cast(date as date) as session_date,
        session_source,
        session_medium,
        session_campaign_name,
        -- GA4's session source / medium / campaign as the UTM values the channel_mapping seed
        -- reads (lower case, trimmed, as the store's landing UTMs): GA4 writes "(direct)",
        -- "(none)", "(not set)", "(organic)" and "(referral)" where there is no value, and
        -- those are no value here, so a direct session maps to Directo as an order without UTMs.
        case
            when lower(trim(session_source)) in ('', '(direct)', '(not set)') then null
            else lower(trim(session_source))
        end as utm_source,
        case
            when lower(trim(session_medium)) in ('', '(none)', '(not set)') then null
            else lower(trim(session_medium))
        end as utm_medium,
        case
            when lower(trim(session_campaign_name))
                in ('', '(direct)', '(not set)', '(organic)', '(referral)') then null
            else lower(trim(session_campaign_name))
        end as utm_campaign,
        -- A referral session's source is the referring site's host, read as the store's
        -- referring sites are.
        case
            when lower(trim(session_medium)) = 'referral' then {{ referring_domain('session_source') }}
        end as referring_domain,
        cast(sessions as {{ dbt.type_bigint() }}) as sessions,
        cast(total_users as {{ dbt.type_bigint() }}) as total_users,
        cast(engaged_sessions as {{ dbt.type_bigint() }}) as engaged_sessions,
        cast(key_events as {{ cerebro.type_double() }}) as key_events,
        property_time_zone,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
