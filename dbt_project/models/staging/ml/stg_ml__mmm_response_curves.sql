with

source as (
    select * from {{ source_or_empty('ml', 'ml_mmm_response_curves') }}
),

renamed as (
    select
        tenant_id,
        target,
        channel as channel_group,
        cast(cutoff_date as date) as cutoff_date,
        model_version,
        predicted_at,
        daily_spend as daily_spend_amount,
        incremental_per_day,
        incremental_low as incremental_per_day_low,
        incremental_high as incremental_per_day_high,
        roi,
        marginal_roi,
        is_current_spend,
        is_historical_mean_spend
    from source
)

select * from renamed
