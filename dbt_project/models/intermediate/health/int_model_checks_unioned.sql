-- The checks behind the model-health lights, one row per tenant, model and
-- check, with the value and the kind of threshold it is judged by (see
-- mart_model_health): the customer-value model's backtest error, each
-- marketing-mix model's error on the total of its held-out days and its daily
-- error (MAPE) in sample and on the holdout, and each model's lag behind the
-- tenant's data.
with

clv_model_runs as (
    select * from {{ ref('stg_ml__clv_model_runs') }}
),

mmm_diagnostics as (
    select * from {{ ref('stg_ml__mmm_diagnostics') }}
),

mmm_backtest as (
    select * from {{ ref('stg_ml__mmm_backtest') }}
),

cutoffs as (
    select * from {{ ref('int_tenant_data_cutoffs') }}
),

latest_clv_runs as (
    select
        clv_model_runs.*,
        row_number() over (
            partition by tenant_id order by cutoff_date desc, predicted_at desc
        ) as run_rank
    from clv_model_runs
),

clv_checks as (
    select
        tenant_id,
        'clv' as model_key,
        'Valor de cliente (BG/NBD o MBG/NBD + Gamma-Gamma)' as model_label,
        cutoff_date,
        model_version,
        backtest_relative_error,
        backtest_holdout_days
    from latest_clv_runs
    where run_rank = 1
),

mmm_models as (
    select
        tenant_id,
        target,
        min(cutoff_date) as cutoff_date,
        min(model_version) as model_version,
        max(case when metric = 'in_sample_mape' then metric_value end) as in_sample_mape,
        max(case when metric = 'holdout_mape' then metric_value end) as holdout_mape,
        -- A period is a day, or a week when the model was fitted weekly.
        max(case when metric = 'holdout_periods' then metric_value end)
            * max(case when metric = 'period_days' then metric_value end) as holdout_days
    from mmm_diagnostics
    group by 1, 2
),

mmm_holdout_totals as (
    select
        tenant_id,
        target,
        {{ safe_divide('abs(' ~ sum_exact('predicted_value') ~ ' - ' ~ sum_exact('actual_value') ~ ')', sum_exact('actual_value')) }}
            as holdout_total_error
    from mmm_backtest
    group by 1, 2
),

checks as (
    select
        tenant_id, model_key, model_label, cutoff_date, model_version,
        'backtest_error' as check_key,
        'Error del backtest (compras de los últimos '
            || cast(backtest_holdout_days as {{ dbt.type_string() }}) || ' días, no vistos)' as check_label,
        backtest_relative_error as metric_value,
        'relative_error' as threshold_key
    from clv_checks
    union all
    select
        mmm_models.tenant_id,
        'mmm_' || mmm_models.target as model_key,
        'Mezcla de medios: ' || lower({{ mmm_objective_label('mmm_models.target') }}) as model_label,
        mmm_models.cutoff_date, mmm_models.model_version,
        'holdout_total_error' as check_key,
        'Error del total de los últimos '
            || cast(cast(mmm_models.holdout_days as {{ dbt.type_bigint() }}) as {{ dbt.type_string() }})
            || ' días, no vistos' as check_label,
        mmm_holdout_totals.holdout_total_error as metric_value,
        'relative_error' as threshold_key
    from mmm_models
    left join mmm_holdout_totals
        on mmm_models.tenant_id = mmm_holdout_totals.tenant_id
        and mmm_models.target = mmm_holdout_totals.target
    union all
    select
        tenant_id,
        'mmm_' || target as model_key,
        'Mezcla de medios: ' || lower({{ mmm_objective_label('target') }}) as model_label,
        cutoff_date, model_version,
        'fit_error' as check_key,
        'Error diario de ajuste (MAPE)' as check_label,
        in_sample_mape as metric_value,
        'daily_mape' as threshold_key
    from mmm_models
    union all
    select
        tenant_id,
        'mmm_' || target as model_key,
        'Mezcla de medios: ' || lower({{ mmm_objective_label('target') }}) as model_label,
        cutoff_date, model_version,
        'holdout_error' as check_key,
        'Error diario en los días no vistos (MAPE)' as check_label,
        holdout_mape as metric_value,
        'daily_mape' as threshold_key
    from mmm_models
),

with_lag as (
    select * from checks
    union all
    -- One lag check per model: days from its cut-off to the data's.
    select distinct
        checks.tenant_id, checks.model_key, checks.model_label, checks.cutoff_date,
        checks.model_version,
        'cutoff_lag' as check_key,
        'Días entre el corte del modelo y el último dato' as check_label,
        cast({{ dbt.datediff('checks.cutoff_date', 'cutoffs.data_cutoff_date', 'day') }}
            as {{ type_double() }}) as metric_value,
        'lag_days' as threshold_key
    from checks
    inner join cutoffs
        on checks.tenant_id = cutoffs.tenant_id
)

select * from with_lag
