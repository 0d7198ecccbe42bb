-- Engagement back (issue 55, decision 0065), for the Acciones page: per Klaviyo activation,
-- how many of the members it sent Klaviyo then recorded as having received, opened and clicked
-- an e-mail while in the list, and the rates the page shows (opens and clicks over those who
-- received one, as e-mail tools report them).
with

engagement as (
    select * from {{ ref('int_activation_engagement_counted') }}
),

rated as (
    select
        engagement.tenant_id,
        engagement.destination,
        {{ activation_destination_label('engagement.destination') }} as destination_label,
        engagement.segment,
        engagement.run_id,
        engagement.run_started_at,
        engagement.activation_date,
        engagement.members_sent,
        engagement.members_delivered,
        engagement.members_opened,
        engagement.members_clicked,
        engagement.emails_received,
        engagement.emails_opened,
        engagement.emails_clicked,
        {{ safe_divide('engagement.members_delivered', 'engagement.members_sent') }}
            as delivered_rate,
        {{ safe_divide('engagement.members_opened', 'engagement.members_delivered') }}
            as open_rate,
        {{ safe_divide('engagement.members_clicked', 'engagement.members_delivered') }}
            as click_rate
    from engagement
)

select * from rated
