-- Per channel, what the latest marketing-mix model says (KPIS.md `roi`,
-- `marginal_roi`): spend, contribution, ROI and marginal ROI with their
-- intervals, and whether the data identifies the channel's effect at all.
with

channel_summary as (
    select * from {{ ref('stg_ml__mmm_channel_summary') }}
),

tenants as (
    select * from {{ ref('dim_tenants') }}
),

labelled as (
    select
        channel_summary.tenant_id,
        channel_summary.target,
        {{ mmm_objective_label('channel_summary.target') }} as target_label,
        channel_summary.channel_group,
        channel_summary.cutoff_date,
        channel_summary.model_version,
        tenants.currency,
        channel_summary.spend_amount,
        channel_summary.contribution,
        channel_summary.contribution_low,
        channel_summary.contribution_high,
        channel_summary.contribution_share,
        channel_summary.roi,
        channel_summary.roi_low,
        channel_summary.roi_high,
        channel_summary.marginal_roi,
        channel_summary.marginal_roi_low,
        channel_summary.marginal_roi_high,
        channel_summary.return_next_1000,
        channel_summary.return_next_1000_low,
        channel_summary.return_next_1000_high,
        channel_summary.current_daily_spend_amount,
        channel_summary.saturation_daily_spend_amount,
        channel_summary.is_identified,
        channel_summary.is_calibrated,
        -- A lift test measured the channel: the page says so (decision 0021).
        case
            when channel_summary.is_calibrated then 'Calibrado con experimento'
            when channel_summary.is_identified then 'Identificado'
            else 'No identificado'
        end as identification_label,
        channel_summary.identification_issues,
        channel_summary.rank_probability
    from channel_summary
    inner join tenants
        on channel_summary.tenant_id = tenants.tenant_id
)

select * from labelled
