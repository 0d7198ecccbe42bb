-- The decomposition of the latest model per local day: what each channel,
-- the baseline, events and controls contributed to the fitted target.
with

contributions as (
    select * from {{ ref('stg_ml__mmm_contributions') }}
),

labelled as (
    select
        tenant_id,
        target,
        {{ mmm_objective_label('target') }} as target_label,
        contribution_date,
        component,
        component_kind,
        {{ mmm_component_label('component', 'component_kind') }} as component_label,
        cutoff_date,
        model_version,
        contribution,
        fitted_total,
        actual_total
    from contributions
)

select * from labelled
