with

source as (
    select * from {{ source_or_empty('ml', 'ml_mmm_backtest') }}
),

renamed as (
    select
        tenant_id,
        target,
        cast(backtest_date as date) as backtest_date,
        cast(trained_until as date) as trained_until_date,
        cast(cutoff_date as date) as cutoff_date,
        model_version,
        predicted_at,
        actual as actual_value,
        predicted as predicted_value
    from source
)

select * from renamed
