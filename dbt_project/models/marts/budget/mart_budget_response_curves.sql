-- Saturation curves of the latest model: incremental target per day at each
-- daily spend level of a channel, with the current spend flagged so that a
-- chart can mark where the channel stands on its curve.
with

curves as (
    select * from {{ ref('stg_ml__mmm_response_curves') }}
),

channel_summary as (
    select * from {{ ref('stg_ml__mmm_channel_summary') }}
),

labelled as (
    select
        curves.tenant_id,
        curves.target,
        {{ mmm_objective_label('curves.target') }} as target_label,
        curves.channel_group,
        curves.cutoff_date,
        curves.model_version,
        curves.daily_spend_amount,
        curves.incremental_per_day,
        curves.incremental_per_day_low,
        curves.incremental_per_day_high,
        curves.roi,
        curves.marginal_roi,
        curves.is_current_spend,
        curves.is_historical_mean_spend,
        channel_summary.is_identified
    from curves
    inner join channel_summary
        on curves.tenant_id = channel_summary.tenant_id
        and curves.target = channel_summary.target
        and curves.channel_group = channel_summary.channel_group
)

select * from labelled
