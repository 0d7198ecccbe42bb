{{
    config(
        materialized='incremental',
        incremental_strategy='partition_tenants',
        on_schema_change='sync_all_columns',
    )
}}
{#- Rebuilt per tenant (decision 0017): a partition run recomputes its tenants' whole
    history and replaces their rows; a full build, every tenant's. -#}
-- Cohort retention matrix as of the data's cut-off: cohort = local month of a
-- customer's first valid order; for month offset k = 0..N-1 (dbt var
-- cohort_retention_months), the share of the cohort with a valid order in
-- month cohort + k. Offsets not yet reached at the cut-off are left out.
with

customer_orders as (
    select * from {{ ref('mart_customer_orders_daily') }}
    where {{ in_partition_tenants() }}
),

cutoffs as (
    select * from {{ ref('int_tenant_data_cutoffs') }}
    where {{ in_partition_tenants() }}
),

customer_months as (
    select distinct
        tenant_id,
        customer_id,
        cast({{ dbt.date_trunc('month', 'created_date') }} as date) as activity_month
    from customer_orders
),

cohorts as (
    select
        tenant_id,
        customer_id,
        min(activity_month) as cohort_month
    from customer_months
    group by 1, 2
),

cohort_sizes as (
    select tenant_id, cohort_month, count(*) as cohort_customers
    from cohorts
    group by 1, 2
),

retained as (
    select
        cohorts.tenant_id,
        cohorts.cohort_month,
        {{ dbt.datediff('cohorts.cohort_month', 'customer_months.activity_month', 'month') }}
            as month_offset,
        count(*) as retained_customers
    from cohorts
    inner join customer_months
        on cohorts.tenant_id = customer_months.tenant_id
        and cohorts.customer_id = customer_months.customer_id
    group by 1, 2, 3
),

offsets as (
    {% for k in range(var('cohort_retention_months')) -%}
    select {{ k }} as month_offset{% if not loop.last %} union all {% endif %}
    {% endfor %}
),

matrix as (
    select
        cohort_sizes.tenant_id,
        cohort_sizes.cohort_month,
        offsets.month_offset,
        cohort_sizes.cohort_customers,
        coalesce(retained.retained_customers, 0) as retained_customers
    from cohort_sizes
    cross join offsets
    inner join cutoffs
        on cohort_sizes.tenant_id = cutoffs.tenant_id
    left join retained
        on cohort_sizes.tenant_id = retained.tenant_id
        and cohort_sizes.cohort_month = retained.cohort_month
        and offsets.month_offset = retained.month_offset
    where {{ dbt.datediff('cohort_sizes.cohort_month', dbt.date_trunc('month', 'cutoffs.data_cutoff_date'), 'month') }}
        >= offsets.month_offset
)

select
    matrix.*,
    {{ safe_divide('matrix.retained_customers', 'matrix.cohort_customers') }} as retention_rate
from matrix
