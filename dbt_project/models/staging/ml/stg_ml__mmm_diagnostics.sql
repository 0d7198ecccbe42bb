with

source as (
    select * from {{ source_or_empty('ml', 'ml_mmm_diagnostics') }}
),

renamed as (
    select
        tenant_id,
        target,
        metric,
        -- A channel for per-channel metrics, else another component of the
        -- decomposition (baseline, an event type, a control) or NULL.
        channel as component,
        cast(cutoff_date as date) as cutoff_date,
        model_version,
        predicted_at,
        value as metric_value,
        text as metric_text
    from source
)

select * from renamed
