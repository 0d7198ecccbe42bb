with

source as (
    select * from {{ source_or_empty('ml', 'ml_mmm_channel_summary') }}
),

renamed as (
    select
        tenant_id,
        target,
        channel as channel_group,
        cast(cutoff_date as date) as cutoff_date,
        model_version,
        predicted_at,
        spend as spend_amount,
        contribution,
        contribution_low,
        contribution_high,
        contribution_share,
        roi,
        roi_low,
        roi_high,
        marginal_roi,
        marginal_roi_low,
        marginal_roi_high,
        return_next_1000,
        return_next_1000_low,
        return_next_1000_high,
        current_daily_spend as current_daily_spend_amount,
        saturation_daily_spend as saturation_daily_spend_amount,
        identified as is_identified,
        calibrated as is_calibrated,
        nullif(identification_issues, '') as identification_issues,
        rank_probability,
        prior_contraction,
        roi_interval_ratio,
        spend_cv,
        max_spend_correlation
    from source
)

select * from renamed
