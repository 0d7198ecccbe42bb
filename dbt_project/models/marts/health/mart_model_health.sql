{{ config(materialized='table') }}
{#- A table rebuilt whole on every run: a few rows per tenant, read from the latest model
    runs (built in the step after the ML assets). -#}
-- A traffic light per tenant, model and check (the "Salud de datos" page):
-- the customer-value model's backtest error, each marketing-mix model's error
-- on the total of its held-out days and its daily error (MAPE) in sample and
-- on the holdout, and how many days each model's cut-off lags the tenant's
-- data. Thresholds are dbt vars (model_health_thresholds): totals are judged
-- as relative errors; daily MAPE separately, since a small shop's daily
-- revenue is noisy however good the model.
{%- set thresholds = var('model_health_thresholds') %}

with

checks as (
    select * from {{ ref('int_model_checks_unioned') }}
),

tenants as (
    select * from {{ ref('dim_tenants') }}
),

thresholded as (
    select
        checks.*,
        -- The tenant's currency picks the locale its numbers are written in.
        tenants.currency,
        case checks.threshold_key
            {%- for key, limits in thresholds.items() %}
            when '{{ key }}' then {{ limits.green }}
            {%- endfor %}
        end as green_max,
        case checks.threshold_key
            {%- for key, limits in thresholds.items() %}
            when '{{ key }}' then {{ limits.yellow }}
            {%- endfor %}
        end as yellow_max
    from checks
    left join tenants
        on checks.tenant_id = tenants.tenant_id
)

select
    tenant_id,
    model_key,
    model_label,
    check_key,
    check_label,
    cutoff_date,
    model_version,
    metric_value,
    coalesce(
        case threshold_key
            when 'lag_days' then {{ format_number('metric_value', 0, 'currency') }} || ' días'
            else {{ format_percent('metric_value', 1, 'currency') }}
        end,
        'sin dato'
    ) as metric_text,
    threshold_key,
    cast(green_max as {{ type_double() }}) as green_max,
    cast(yellow_max as {{ type_double() }}) as yellow_max,
    -- A check that could not be computed (e.g. a skipped backtest) is not green.
    case
        when metric_value is null then 'amarillo'
        when metric_value <= green_max then 'verde'
        when metric_value <= yellow_max then 'amarillo'
        else 'rojo'
    end as status
from thresholded
