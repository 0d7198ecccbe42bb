-- A security-invoker view: tenant roles read the customer page through it (decision 0030).
{{ config(post_hook="{{ security_invoker() }}") }}
-- Who each activation treated and held out (issue 24). A customer belongs to the activation
-- (one sync run of a destination and segment) in which they first entered the experiment:
-- treated there when the vendor accepted an add or a send, else control when held out. Later
-- runs that log them again (a list kept in sync re-logs its hold-outs, a re-sent member) do not
-- count them twice, so each run compares customers who entered it on both sides alike.
with

activation_log as (
    select * from {{ ref('stg_ops__activation_log') }}
    where (is_treated or is_held_out) and customer_id is not null
),

tenants as (
    select * from {{ ref('dim_tenants') }}
),

per_run as (
    select
        activation_log.tenant_id,
        activation_log.destination,
        activation_log.segment,
        activation_log.customer_id,
        activation_log.run_id,
        activation_log.run_started_at,
        -- Sent wins over a hold-out row of the same run: the customer was reached.
        max(case when activation_log.is_treated then 1 else 0 end) = 1 as is_treated,
        -- The discount of a rescue coupon the vendor accepted (decision 0064), from the log's
        -- detail as rescue_offer.coupon_detail writes it ("12,5% hasta 2026-12-10"); NULL for
        -- every other row, the held-out (and a coupon experiment's 0 % arm) among them.
        max(case when activation_log.is_treated then {{ coupon_discount('activation_log.detail') }} end)
            as discount
    from activation_log
    group by 1, 2, 3, 4, 5, 6
),

first_entries as (
    select
        per_run.*,
        row_number() over (
            partition by per_run.tenant_id, per_run.destination, per_run.segment,
                per_run.customer_id
            order by per_run.run_started_at, per_run.run_id
        ) as entry_rank
    from per_run
),

assigned as (
    select
        first_entries.tenant_id,
        first_entries.destination,
        first_entries.segment,
        first_entries.run_id,
        first_entries.run_started_at,
        -- Decision 0003: the local day of the sync is the activation day; outcomes are
        -- counted from the next local day on.
        {{ to_local_date('first_entries.run_started_at', 'tenants.timezone') }}
            as activation_date,
        first_entries.customer_id,
        first_entries.is_treated,
        first_entries.discount
    from first_entries
    inner join tenants
        on first_entries.tenant_id = tenants.tenant_id
    where first_entries.entry_rank = 1
)

select * from assigned
