-- WhatsApp status back (issue 55, decision 0066), for the Acciones page: per WhatsApp
-- activation, the messages Meta reported failed and never delivered, by the failure's reason
-- (its WhatsApp error code, in Spanish where the destination knows the code).
with

whatsapp_messages as (
    select * from {{ ref('int_activation_whatsapp_messages_reached') }}
    where is_failed
),

failures_counted as (
    select
        whatsapp_messages.tenant_id,
        whatsapp_messages.destination,
        whatsapp_messages.segment,
        whatsapp_messages.run_id,
        whatsapp_messages.run_started_at,
        whatsapp_messages.activation_date,
        whatsapp_messages.failure_code,
        {{ whatsapp_failure_reason('whatsapp_messages.failure_code',
                                   'whatsapp_messages.failure_title') }} as failure_reason,
        count(*) as members_failed
    from whatsapp_messages
    group by 1, 2, 3, 4, 5, 6, 7, 8
)

select * from failures_counted
