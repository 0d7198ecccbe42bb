-- Engagement back (issue 55), for the Acciones page: per activation, what became of what it
-- sent. Klaviyo (decision 0065): members Klaviyo recorded as having received, opened and
-- clicked an e-mail while in the list, with opens and clicks over those who received one, as
-- e-mail tools report them. WhatsApp (decision 0066): members whose message Meta reported
-- delivered, read or failed, read over delivered and failed over sent. A channel's columns
-- the other has no equivalent for are NULL.
with

email_engagement as (
    select * from {{ ref('int_activation_engagement_counted') }}
),

whatsapp_messages as (
    select * from {{ ref('int_activation_whatsapp_messages_reached') }}
),

whatsapp_counted as (
    select
        whatsapp_messages.tenant_id,
        whatsapp_messages.destination,
        whatsapp_messages.segment,
        whatsapp_messages.run_id,
        whatsapp_messages.run_started_at,
        whatsapp_messages.activation_date,
        count(*) as members_sent,
        sum(case when whatsapp_messages.is_delivered then 1 else 0 end) as members_delivered,
        sum(case when whatsapp_messages.is_read then 1 else 0 end) as members_read,
        sum(case when whatsapp_messages.is_failed then 1 else 0 end) as members_failed,
        sum(case when whatsapp_messages.has_status then 0 else 1 end) as members_without_status
    from whatsapp_messages
    group by 1, 2, 3, 4, 5, 6
),

channels_combined as (
    select
        email_engagement.tenant_id,
        email_engagement.destination,
        email_engagement.segment,
        email_engagement.run_id,
        email_engagement.run_started_at,
        email_engagement.activation_date,
        email_engagement.members_sent,
        email_engagement.members_delivered,
        email_engagement.members_opened,
        email_engagement.members_clicked,
        cast(null as {{ dbt.type_bigint() }}) as members_read,
        cast(null as {{ dbt.type_bigint() }}) as members_failed,
        cast(null as {{ dbt.type_bigint() }}) as members_without_status,
        email_engagement.emails_received,
        email_engagement.emails_opened,
        email_engagement.emails_clicked
    from email_engagement
    union all
    select
        whatsapp_counted.tenant_id,
        whatsapp_counted.destination,
        whatsapp_counted.segment,
        whatsapp_counted.run_id,
        whatsapp_counted.run_started_at,
        whatsapp_counted.activation_date,
        whatsapp_counted.members_sent,
        whatsapp_counted.members_delivered,
        cast(null as {{ dbt.type_bigint() }}) as members_opened,
        cast(null as {{ dbt.type_bigint() }}) as members_clicked,
        whatsapp_counted.members_read,
        whatsapp_counted.members_failed,
        whatsapp_counted.members_without_status,
        cast(null as {{ dbt.type_bigint() }}) as emails_received,
        cast(null as {{ dbt.type_bigint() }}) as emails_opened,
        cast(null as {{ dbt.type_bigint() }}) as emails_clicked
    from whatsapp_counted
),

rated as (
    select
        channels_combined.tenant_id,
        channels_combined.destination,
        {{ activation_destination_label('channels_combined.destination') }} as destination_label,
        channels_combined.segment,
        channels_combined.run_id,
        channels_combined.run_started_at,
        channels_combined.activation_date,
        channels_combined.members_sent,
        channels_combined.members_delivered,
        channels_combined.members_opened,
        channels_combined.members_clicked,
        channels_combined.members_read,
        channels_combined.members_failed,
        channels_combined.members_without_status,
        channels_combined.emails_received,
        channels_combined.emails_opened,
        channels_combined.emails_clicked,
        {{ safe_divide('channels_combined.members_delivered', 'channels_combined.members_sent') }}
            as delivered_rate,
        {{ safe_divide('channels_combined.members_opened', 'channels_combined.members_delivered') }}
            as open_rate,
        {{ safe_divide('channels_combined.members_clicked', 'channels_combined.members_delivered') }}
            as click_rate,
        {{ safe_divide('channels_combined.members_read', 'channels_combined.members_delivered') }}
            as read_rate,
        {{ safe_divide('channels_combined.members_failed', 'channels_combined.members_sent') }}
            as failed_rate
    from channels_combined
)

select * from rated
