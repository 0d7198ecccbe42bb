-- A view: syncs append to the log between builds, and a view shows it as it is now. Security
-- invoker: tenant roles read the customer page's activations through it (decision 0030).
{{ config(materialized='view', post_hook="{{ security_invoker() }}") }}

with

source as (
    select * from {{ source_or_empty('ops', 'activation_log') }}
),

renamed as (
    select
        tenant_id,
        run_id,
        lower(destination) as destination,
        segment,
        customer_id,
        identifier_sha256,
        lower(action) as action,
        lower(status) as status,
        detail,
        vendor_ref,
        logged_at,
        run_started_at
    from source
),

flagged as (
    select
        renamed.*,
        -- Issue 24: a run's treated customers are those the vendor accepted an add or a send
        -- for; its control, those held out. Defined here once for every model that reads it.
        renamed.action in ('add', 'send') and renamed.status = 'sent' as is_treated,
        renamed.action = 'hold_out' as is_held_out
    from renamed
)

select * from flagged
