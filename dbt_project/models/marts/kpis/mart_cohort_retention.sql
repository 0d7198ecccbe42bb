-- The cohort retention matrix (docs: kpi_cohort_retention) as of the data's cut-off:
-- the sums of mart_customer_retention_daily's cohort counts over every row, with a row for
-- each month offset 0..N-1 (dbt var cohort_retention_months) the cut-off reached, also
-- where nobody came back. The pages read the matrix as of an earlier date from the
-- customer days, with these rows as its cells (`activity_month` up to that date).
with

customer_days as (
    select * from {{ ref('mart_customer_retention_daily') }}
    where {{ in_partition_tenants() }}
),

cutoffs as (
    select * from {{ ref('int_tenant_data_cutoffs') }}
    where {{ in_partition_tenants() }}
),

retained as (
    select
        tenant_id,
        cohort_month,
        month_offset,
        sum(new_month_buyers) as retained_customers
    from customer_days
    where month_offset is not null
    group by 1, 2, 3
),

cohort_sizes as (
    select tenant_id, cohort_month, retained_customers as cohort_customers
    from retained
    where month_offset = 0
),

offsets as (
    {% for k in range(var('cohort_retention_months')) -%}
    select {{ k }} as month_offset{% if not loop.last %} union all {% endif %}
    {% endfor %}
),

matrix_filled as (
    select
        cohort_sizes.tenant_id,
        cohort_sizes.cohort_month,
        offsets.month_offset,
        cast({{ dbt.dateadd('month', 'offsets.month_offset', 'cohort_sizes.cohort_month') }} as date)
            as activity_month,
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
),

rates_computed as (
    select
        matrix_filled.*,
        {{ safe_divide('matrix_filled.retained_customers', 'matrix_filled.cohort_customers') }}
            as retention_rate
    from matrix_filled
)

select * from rates_computed
