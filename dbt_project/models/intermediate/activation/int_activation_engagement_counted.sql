-- Engagement back (issue 55, decision 0065): what became of the e-mails the members of each
-- Klaviyo activation received while they were in its list. A member is matched to Klaviyo's
-- events by the hash of the address the sync sent (the log's identifier_sha256, the tap's
-- email_sha256: one normal form); an event counts for an activation from the sync run the
-- member entered until the first removal Klaviyo accepted after it. Klaviyo's events do not name
-- the list a campaign went to, so a member of two synced lists counts in both.
with

members_assigned as (
    select * from {{ ref('int_activation_members_assigned') }}
    where destination = 'klaviyo' and is_treated
),

activation_log as (
    select * from {{ ref('stg_ops__activation_log') }}
    where destination = 'klaviyo' and status = 'sent'
),

email_events as (
    select * from {{ ref('stg_klaviyo__email_events') }}
    where engagement_type in ('received', 'opened', 'clicked') and email_sha256 is not null
),

members_in_list as (
    select
        members_assigned.tenant_id,
        members_assigned.destination,
        members_assigned.segment,
        members_assigned.run_id,
        members_assigned.run_started_at,
        members_assigned.activation_date,
        members_assigned.customer_id,
        max(case when activation_log.run_id = members_assigned.run_id and activation_log.is_treated
                 then activation_log.identifier_sha256 end) as email_sha256,
        min(case when activation_log.action = 'remove'
                      and activation_log.logged_at > members_assigned.run_started_at
                 then activation_log.logged_at end) as removed_at
    from members_assigned
    left join activation_log
        on members_assigned.tenant_id = activation_log.tenant_id
        and members_assigned.segment = activation_log.segment
        and members_assigned.customer_id = activation_log.customer_id
    group by 1, 2, 3, 4, 5, 6, 7
),

events_counted as (
    select
        members_in_list.tenant_id,
        members_in_list.destination,
        members_in_list.segment,
        members_in_list.run_id,
        members_in_list.run_started_at,
        members_in_list.activation_date,
        members_in_list.customer_id,
        sum(case when email_events.engagement_type = 'received' then 1 else 0 end) as received_count,
        sum(case when email_events.engagement_type = 'opened' then 1 else 0 end) as opened_count,
        sum(case when email_events.engagement_type = 'clicked' then 1 else 0 end) as clicked_count
    from members_in_list
    left join email_events
        on members_in_list.tenant_id = email_events.tenant_id
        and members_in_list.email_sha256 = email_events.email_sha256
        and email_events.occurred_at >= members_in_list.run_started_at
        and (members_in_list.removed_at is null
             or email_events.occurred_at < members_in_list.removed_at)
    group by 1, 2, 3, 4, 5, 6, 7
),

per_activation as (
    select
        tenant_id,
        destination,
        segment,
        run_id,
        run_started_at,
        activation_date,
        count(*) as members_sent,
        sum(case when received_count > 0 then 1 else 0 end) as members_delivered,
        sum(case when opened_count > 0 then 1 else 0 end) as members_opened,
        sum(case when clicked_count > 0 then 1 else 0 end) as members_clicked,
        sum(received_count) as emails_received,
        sum(opened_count) as emails_opened,
        sum(clicked_count) as emails_clicked
    from events_counted
    group by 1, 2, 3, 4, 5, 6
)

select * from per_activation
