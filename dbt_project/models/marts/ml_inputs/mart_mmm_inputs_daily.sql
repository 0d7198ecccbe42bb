{{ config(partition_date_column='activity_date') }}

-- The budget brain's daily targets and organic control per tenant and local day (docs:
-- mmm_inputs). A column is null on a day its source has no row: no order, no signup, no
-- Search Console data; the model reads a missing day as unknown, not as zero.
with

orders_daily as (
    select * from {{ ref('mart_orders_daily') }}
    where {{ in_partition_window('created_date') }}
),

acquisition_daily as (
    select * from {{ ref('mart_acquisition_daily') }}
    where {{ in_partition_window('signup_date') }}
),

organic_search as (
    select * from {{ ref('fct_organic_search_daily') }}
    where {{ in_partition_window('search_date') }}
),

revenue_summed as (
    select
        orders_daily.tenant_id,
        orders_daily.created_date as activity_date,
        sum(orders_daily.valid_orders_amount) as revenue_amount
    from orders_daily
    group by 1, 2
),

signups_summed as (
    select
        acquisition_daily.tenant_id,
        acquisition_daily.signup_date as activity_date,
        sum(acquisition_daily.new_users) as new_customers
    from acquisition_daily
    group by 1, 2
),

clicks_summed as (
    -- Every property and search type of the tenant together.
    select
        organic_search.tenant_id,
        organic_search.search_date as activity_date,
        sum(organic_search.clicks) as organic_search_clicks
    from organic_search
    group by 1, 2
),

days_unioned as (
    select tenant_id, activity_date from revenue_summed
    union
    select tenant_id, activity_date from signups_summed
    union
    select tenant_id, activity_date from clicks_summed
),

joined as (
    select
        days_unioned.tenant_id,
        days_unioned.activity_date,
        revenue_summed.revenue_amount,
        signups_summed.new_customers,
        clicks_summed.organic_search_clicks
    from days_unioned
    left join revenue_summed
        on days_unioned.tenant_id = revenue_summed.tenant_id
        and days_unioned.activity_date = revenue_summed.activity_date
    left join signups_summed
        on days_unioned.tenant_id = signups_summed.tenant_id
        and days_unioned.activity_date = signups_summed.activity_date
    left join clicks_summed
        on days_unioned.tenant_id = clicks_summed.tenant_id
        and days_unioned.activity_date = clicks_summed.activity_date
)

select * from joined
