with

source as (
    select * from {{ source_or_empty('ml', 'ml_mmm_models') }}
),

renamed as (
    select
        tenant_id,
        target,
        cast(cutoff_date as date) as cutoff_date,
        model_version,
        predicted_at,
        model_document
    from source
)

select * from renamed
