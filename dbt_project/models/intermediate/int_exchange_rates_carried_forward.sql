{#- Stored, not a view: every staging model with amounts joins it, and a view's windows would
    be computed again by every query reading one of them (orders are read by dozens of models).
    Incremental per tenant (decision 0017): a tenant's run rebuilds its own rates only. -#}
{{ config(materialized='incremental') }}

-- The rate in force on every day, per tenant and currency, into the tenant's currency
-- (decision 0061). A rate is in force from the day its provider dates it until the next one:
-- Banco Central de Chile publishes no dólar observado for weekends and bank holidays, and on
-- those days the last one published is the one in force, so it is carried forward, for at most
-- var('exchange_rate_max_days_carried') days. Beyond that (a source that stopped landing, a
-- day before the first rate) there is no rate, and the staging models' has_exchange_rate tests
-- fail naming the days.
with

daily_rates as (
    select * from {{ ref('stg_exchange_rates__daily_rates') }}
    where {{ in_partition_tenants() }}
),

tenants as (
    select * from {{ ref('stg_cerebro_config__tenants') }}
    where {{ in_partition_tenants() }}
),

days_carried as (
    {{ dbt.generate_series(var('exchange_rate_max_days_carried') + 1) }}
),

oriented as (
    -- Units of the tenant's currency per unit of the other currency: a pair quoted in the
    -- tenant's currency as it is, the reverse pair inverted. A pair without the tenant's
    -- currency converts nothing here (no cross rates).
    select
        daily_rates.tenant_id,
        daily_rates.base_currency as currency,
        daily_rates.rate_date,
        daily_rates.rate,
        1 as preference
    from daily_rates
    inner join tenants
        on daily_rates.tenant_id = tenants.tenant_id
        and daily_rates.quote_currency = tenants.currency
    where daily_rates.rate > 0

    union all

    select
        daily_rates.tenant_id,
        daily_rates.quote_currency as currency,
        daily_rates.rate_date,
        1 / daily_rates.rate as rate,
        2 as preference
    from daily_rates
    inner join tenants
        on daily_rates.tenant_id = tenants.tenant_id
        and daily_rates.base_currency = tenants.currency
    where daily_rates.rate > 0
),

observed as (
    -- One rate a day per currency: the direct quote when the reverse one landed too.
    select
        tenant_id,
        currency,
        rate_date,
        rate,
        row_number() over (
            partition by tenant_id, currency, rate_date order by preference
        ) as preference_rank
    from oriented
),

spans as (
    select
        tenant_id,
        currency,
        rate_date as observed_date,
        rate,
        lead(rate_date) over (
            partition by tenant_id, currency order by rate_date
        ) as next_observed_date
    from observed
    where preference_rank = 1
),

carried as (
    select
        spans.tenant_id,
        spans.currency,
        cast({{ dbt.dateadd('day', 'days_carried.generated_number - 1', 'spans.observed_date') }} as date)
            as rate_date,
        spans.rate,
        spans.observed_date,
        cast(days_carried.generated_number - 1 as {{ dbt.type_int() }}) as days_carried,
        spans.next_observed_date
    from spans
    cross join days_carried
)

select
    tenant_id,
    currency,
    rate_date,
    rate,
    observed_date,
    days_carried
from carried
where next_observed_date is null or rate_date < next_observed_date
