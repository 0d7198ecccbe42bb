with

source as (
    select * from {{ not_quarantined('klaviyo', 'email_events') }}
),

renamed as (
    select
        tenant_id,
        event_id,
        metric_id,
        metric_name,
        -- Klaviyo's own e-mail metrics by their names (its metric ids differ per account).
        case metric_name
            when 'Received Email' then 'received'
            when 'Opened Email' then 'opened'
            when 'Clicked Email' then 'clicked'
            when 'Placed Order' then 'ordered'
            else 'other'
        end as engagement_type,
        cast(occurred_at as timestamp) as occurred_at,
        profile_id,
        lower(email_sha256) as email_sha256,
        message_id,
        cast(event_value as {{ cerebro.type_amount() }}) as event_value_amount,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
