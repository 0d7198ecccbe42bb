-- The latest fitted marketing-mix model of each tenant and target, as its JSON
-- document: the posterior draws of every response curve that the budget plans
-- were computed on. The static Simulador page carries them and plans any
-- budget in the browser on the same curves (cerebro/serving/dashboards/simulator.py);
-- saved as a file, `cerebro mmm optimize --model` plans on them from the terminal.
with

models as (
    select * from {{ ref('stg_ml__mmm_models') }}
),

tenants as (
    select * from {{ ref('dim_tenants') }}
),

labelled as (
    select
        models.tenant_id,
        models.target,
        {{ mmm_objective_label('models.target') }} as target_label,
        models.cutoff_date,
        models.model_version,
        tenants.currency,
        models.model_document
    from models
    inner join tenants
        on models.tenant_id = tenants.tenant_id
)

select * from labelled
