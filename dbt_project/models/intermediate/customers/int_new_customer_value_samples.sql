-- Per tenant, acquisition channel and sample of its customers (int_new_customers_observed):
-- how many, how many the data has seen for the whole horizon, the horizon the sample can
-- measure, and which sample values the channel's new customers (doc block
-- kpi_new_customer_value; sample_rank 1).
{{ config(materialized='view') }}
{%- set settings = var('new_customer_value') %}

with

customers_observed as (
    select * from {{ ref('int_new_customers_observed') }}
),

customers_ranked as (
    select
        customers_observed.*,
        row_number() over (
            partition by customers_observed.tenant_id, customers_observed.channel_group,
                customers_observed.customer_sample
            order by customers_observed.observed_days desc, customers_observed.customer_id
        ) as observed_rank
    from customers_observed
),

-- A sample's horizon stops before the days fewer than min_customers_at_risk of its customers
-- have lived: the days seen by its min_customers_at_risk-th longest-seen customer.
samples as (
    select
        tenant_id,
        channel_group,
        customer_sample,
        count(*) as customers,
        sum(case when observed_days = {{ settings.days }} then 1 else 0 end)
            as customers_seen_whole_horizon,
        coalesce(max(case when observed_rank = {{ settings.min_customers_at_risk }}
            then observed_days end), 0) as horizon_days
    from customers_ranked
    group by 1, 2, 3
),

-- The signups that carried their channel, when they reach the horizon all new customers reach.
ranked as (
    select
        samples.*,
        max(samples.customers) over (
            partition by samples.tenant_id, samples.channel_group
        ) as new_customers,
        row_number() over (
            partition by samples.tenant_id, samples.channel_group
            order by samples.horizon_days desc,
                case samples.customer_sample when 'signups_with_touchpoint' then 0 else 1 end
        ) as sample_rank
    from samples
)

select * from ranked
