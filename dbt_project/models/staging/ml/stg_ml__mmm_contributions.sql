with

source as (
    select * from {{ source_or_empty('ml', 'ml_mmm_contributions') }}
),

renamed as (
    select
        tenant_id,
        target,
        cast(contribution_date as date) as contribution_date,
        component,
        component_kind,
        cast(cutoff_date as date) as cutoff_date,
        model_version,
        predicted_at,
        contribution,
        fitted_total,
        actual_total
    from source
)

select * from renamed
