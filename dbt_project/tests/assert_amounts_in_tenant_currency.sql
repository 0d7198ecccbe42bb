-- Reported in Dagster as a check on dim_tenants.
{{ config(meta={'dagster': {'ref': {'name': 'dim_tenants'}}}) }}

-- Every order, ad-spend and cost-input row is in its tenant's currency: amounts of two
-- currencies must never be added up. Staging converts them (decision 0061), so this checks the
-- converted `currency`, which keeps the landed one where no rate was in force (the staging
-- models' has_exchange_rate tests name those days). Returns the rows that break this. A partition run checks
-- its tenants' rows, as the generic tests do (decision 0015); both engines push the filter
-- into each branch of the union.
{%- set window = partition_window() if execute else none %}

with

tenants as (
    select * from {{ ref('dim_tenants') }}
),

currencies as (
    select tenant_id, 'fct_orders' as model_name, currency from {{ ref('fct_orders') }}
    union all
    select tenant_id, 'fct_ad_spend_daily' as model_name, currency from {{ ref('fct_ad_spend_daily') }}
    union all
    select tenant_id, 'stg_costs__product_costs' as model_name, currency
    from {{ ref('stg_costs__product_costs') }}
    union all
    select tenant_id, 'stg_costs__payment_fees' as model_name, currency
    from {{ ref('stg_costs__payment_fees') }}
    union all
    select tenant_id, 'stg_costs__order_costs' as model_name, currency
    from {{ ref('stg_costs__order_costs') }}
)

select currencies.*
from currencies
left join tenants
    on currencies.tenant_id = tenants.tenant_id
where {{ partition_window_tenants_predicate(window, 'currencies.tenant_id') }}
    and (tenants.currency is null or currencies.currency <> tenants.currency)
