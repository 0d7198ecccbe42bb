-- The customer health score (docs: kpi_customer_health): per customer and week end, each
-- signal in [0, 1], the 0-100 score that weighs them (var customer_health_score), its band,
-- whether the band dropped since the week before, and the value a call can still recover.
{#- PostgreSQL: the customer page reads one customer's weeks; the (tenant, date) index every
    mart gets serves the dashboards' weeks. -#}
{{ config(indexes=postgres_only_indexes(['tenant_id', 'customer_id'])) }}
{%- set settings = var('customer_health_score') %}
{%- set weights = settings.weights %}
{%- set late = settings.recency_late_rhythms %}

{#- The signals and the score are steps (materialized_step), read by name: on Spark each is a
    table computed before the model's statement, so a step reads models and earlier steps
    only. -#}
{%- set signals %}
    select
        measures.*,
        measures.prob_alive as prob_alive_signal,
        -- On rhythm or early: 1; `late` rhythms since the last purchase: 0; linear between.
        greatest(0.0, least(1.0,
            1.0 - ((measures.days_since_last_purchase / measures.rhythm_days) - 1.0) / ({{ late }} - 1.0)
        )) as recency_signal,
        case
            when measures.recent_purchase_days + measures.previous_purchase_days > 0
                then cast(measures.recent_purchase_days as {{ type_double() }})
                    / (measures.recent_purchase_days + measures.previous_purchase_days)
        end as frequency_trend_signal,
        (measures.mean_rating - 1.0) / 4.0 as ratings_signal,
        case when measures.window_orders > 0
            then 1.0 - cast(measures.cancelled_or_refunded_orders as {{ type_double() }}) / measures.window_orders
        end as cancellations_refunds_signal,
        case when measures.window_orders > 0
            then 1.0 - cast(measures.orders_with_failed_payment as {{ type_double() }}) / measures.window_orders
        end as payment_failures_signal
    from {{ ref('int_customer_health_signals_weekly') }} as measures
{%- endset %}

{%- set scored %}
    -- A signal the history cannot measure leaves the score; the others keep their weights
    -- relative to each other.
    select
        signals.*,
        100.0 * (
            {%- for name, weight in weights.items() %}
            coalesce({{ weight }} * signals.{{ name }}_signal, 0){% if not loop.last %} +{% endif %}
            {%- endfor %}
        ) / (
            {%- for name, weight in weights.items() %}
            case when signals.{{ name }}_signal is not null then {{ weight }} else 0 end
            {%- if not loop.last %} +{% endif %}
            {%- endfor %}
        ) as health_score
    from signals
{%- endset %}

with

customers as (
    select * from {{ ref('dim_customers') }}
),

customer_value as (
    select * from {{ ref('mart_customer_value') }}
),

{{ materialized_step('signals', signals, hint=false) }}

-- The score computed once: PostgreSQL inlines a step and evaluates its expressions wherever
-- they are read, so the bands' cases computed each signal and the score again per band (the
-- mart took 59 s at the large benchmark's 7.8 M customer-weeks, 35 s with the hint).
{{ materialized_step('scored', scored) }}

banded as (
    select
        scored.*,
        case
            {%- for band in settings.bands %}
            when scored.health_score >= {{ band.min_score }} then '{{ band.band }}'
            {%- endfor %}
        end as health_band,
        case
            {%- for band in settings.bands %}
            when scored.health_score >= {{ band.min_score }} then {{ loop.index }}
            {%- endfor %}
        end as health_band_rank
    from scored
),

compared as (
    select
        banded.*,
        lag(banded.health_band) over (
            partition by banded.tenant_id, banded.customer_id order by banded.as_of_date
        ) as previous_health_band,
        lag(banded.health_band_rank) over (
            partition by banded.tenant_id, banded.customer_id order by banded.as_of_date
        ) as previous_health_band_rank
    from banded
)

select
    compared.*,
    coalesce(compared.health_band_rank > compared.previous_health_band_rank, false)
        as is_band_drop,
    -- What a call can still save that week (doc kpi_customer_value, recoverable_value): the
    -- value if retained, as of the model's cut-off, times the week's P(alive). The drop list
    -- is ordered by it within a band.
    compared.prob_alive * customer_value.clv_if_retained_12m as recoverable_value,
    -- The page's filters: the customer's first-touch channel and region.
    customers.acquisition_channel,
    customers.region_name
from compared
left join customers
    on compared.tenant_id = customers.tenant_id
    and compared.customer_id = customers.customer_id
left join customer_value
    on compared.tenant_id = customer_value.tenant_id
    and compared.customer_id = customer_value.customer_id
