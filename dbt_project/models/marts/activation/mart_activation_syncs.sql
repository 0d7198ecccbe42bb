-- What each activation sync did (issue 24), for the Acciones page: per run of a destination
-- and segment, the members the vendor accepted (added, sent), removed, refused or failed, held
-- out as control, and left out for lack of consent, with when the run started and last wrote.
-- Counts are call outcomes, as the log records them.
with

activation_log as (
    select * from {{ ref('stg_ops__activation_log') }}
),

tenants as (
    select * from {{ ref('dim_tenants') }}
),

counted as (
    select
        activation_log.tenant_id,
        activation_log.destination,
        activation_log.segment,
        activation_log.run_id,
        activation_log.run_started_at,
        max(activation_log.logged_at) as last_logged_at,
        count(*) as outcomes,
        sum(case when activation_log.is_treated then 1 else 0 end) as members_sent,
        sum(case when activation_log.action = 'remove' and activation_log.status = 'sent'
            then 1 else 0 end) as members_removed,
        -- Adds sent again to a list the vendor had lost (decision 0058): not treatment.
        sum(case when activation_log.action = 'repair' and activation_log.status = 'sent'
            then 1 else 0 end) as members_repaired,
        sum(case when activation_log.status = 'refused' then 1 else 0 end) as members_refused,
        sum(case when activation_log.status = 'failed' then 1 else 0 end) as members_failed,
        sum(case when activation_log.is_held_out then 1 else 0 end) as members_held_out,
        sum(case when activation_log.status = 'no_consent' then 1 else 0 end)
            as members_without_consent
    from activation_log
    group by 1, 2, 3, 4, 5
),

final as (
    select
        counted.tenant_id,
        counted.destination,
        {{ activation_destination_label('counted.destination') }} as destination_label,
        counted.segment,
        counted.run_id,
        counted.run_started_at,
        {{ to_local_date('counted.run_started_at', 'tenants.timezone') }} as run_date,
        counted.last_logged_at,
        counted.outcomes,
        counted.members_sent,
        counted.members_removed,
        counted.members_repaired,
        counted.members_refused,
        counted.members_failed,
        counted.members_held_out,
        counted.members_without_consent
    from counted
    inner join tenants
        on counted.tenant_id = tenants.tenant_id
)

select * from final
