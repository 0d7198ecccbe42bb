-- WhatsApp status back (issue 55, decision 0066): what became of each WhatsApp message an
-- activation sent. The message id Meta answered at send time is the log's vendor_ref; the
-- statuses Meta's webhooks reported for it (stg_whatsapp__message_statuses) join on it. Meta
-- does not promise their order (a read may arrive before its delivered, and a read implies
-- delivered: Meta skips the delivered webhook when both happen at once), so a message is
-- delivered when any status says delivered or read, and failed when a failure was reported
-- and no delivery: a failure after a delivery (one of the recipient's devices) did arrive.
with

activation_log as (
    select * from {{ ref('stg_ops__activation_log') }}
    where destination = 'whatsapp' and action = 'send' and status = 'sent'
        and vendor_ref is not null
),

message_statuses as (
    select * from {{ ref('stg_whatsapp__message_statuses') }}
),

tenants as (
    select * from {{ ref('dim_tenants') }}
),

failures_ranked as (
    -- Of several failures reported for one message, its reason is the first (then the lowest
    -- code).
    select
        message_statuses.tenant_id,
        message_statuses.message_id,
        message_statuses.error_code,
        message_statuses.error_title,
        row_number() over (
            partition by message_statuses.tenant_id, message_statuses.message_id
            order by message_statuses.status_at, message_statuses.error_code
        ) as failure_rank
    from message_statuses
    where message_statuses.status = 'failed'
),

statuses_joined as (
    select
        activation_log.tenant_id,
        activation_log.destination,
        activation_log.segment,
        activation_log.run_id,
        activation_log.run_started_at,
        activation_log.customer_id,
        activation_log.vendor_ref as message_id,
        max(case when message_statuses.status is not null then 1 else 0 end) as has_status,
        max(case when message_statuses.status in ('delivered', 'read', 'played')
                 then 1 else 0 end) as was_delivered,
        max(case when message_statuses.status in ('read', 'played') then 1 else 0 end)
            as was_read,
        max(case when message_statuses.status = 'failed' then 1 else 0 end) as had_failure
    from activation_log
    left join message_statuses
        on activation_log.tenant_id = message_statuses.tenant_id
        and activation_log.vendor_ref = message_statuses.message_id
    group by 1, 2, 3, 4, 5, 6, 7
),

reached as (
    select
        statuses_joined.tenant_id,
        statuses_joined.destination,
        statuses_joined.segment,
        statuses_joined.run_id,
        statuses_joined.run_started_at,
        {{ to_local_date('statuses_joined.run_started_at', 'tenants.timezone') }}
            as activation_date,
        statuses_joined.customer_id,
        statuses_joined.message_id,
        statuses_joined.has_status = 1 as has_status,
        statuses_joined.was_delivered = 1 as is_delivered,
        statuses_joined.was_read = 1 as is_read,
        statuses_joined.had_failure = 1 and statuses_joined.was_delivered = 0 as is_failed,
        case when statuses_joined.was_delivered = 0 then failures_ranked.error_code end
            as failure_code,
        case when statuses_joined.was_delivered = 0 then failures_ranked.error_title end
            as failure_title
    from statuses_joined
    inner join tenants
        on statuses_joined.tenant_id = tenants.tenant_id
    left join failures_ranked
        on statuses_joined.tenant_id = failures_ranked.tenant_id
        and statuses_joined.message_id = failures_ranked.message_id
        and failures_ranked.failure_rank = 1
)

select * from reached
