-- The measured response to each discount of a rescue that randomised its coupon over the
-- ladder (decision 0064), per activation and horizon (int_activation_discount_response_estimated),
-- whether its interval is clear of the no-coupon arm's zero, and whether the horizon is over by
-- the data's last day. The rescue rule (cerebro/actions/activation/discount_experiment.py)
-- reads the latest complete activation here and compares each interval with its assumed curve.
with

estimated as (
    select * from {{ ref('int_activation_discount_response_estimated') }}
),

cutoffs as (
    select * from {{ ref('int_tenant_data_cutoffs') }}
),

flagged as (
    select
        estimated.*,
        coalesce(estimated.response_lower > 0 or estimated.response_upper < 0, false)
            as is_distinguishable_from_zero,
        coalesce(estimated.horizon_end_date <= cutoffs.data_cutoff_date, false) as is_complete
    from estimated
    left join cutoffs
        on estimated.tenant_id = cutoffs.tenant_id
)

select * from flagged
