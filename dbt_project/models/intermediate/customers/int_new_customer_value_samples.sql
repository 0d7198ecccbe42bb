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

-- The signups that carried their channel value it when their horizon reaches
-- min_sample_horizon_share of all its new customers' (a few late days, which carry little of a
-- year's value, against the undercount of non-buyers among all of them); else all of them.
ranked as (
    select
        samples.*,
        max(samples.customers) over (
            partition by samples.tenant_id, samples.channel_group
        ) as new_customers,
        max(case when samples.customer_sample = 'new_customers' then samples.horizon_days end)
            over (partition by samples.tenant_id, samples.channel_group) as all_horizon_days
    from samples
),

chosen as (
    select
        ranked.tenant_id,
        ranked.channel_group,
        ranked.customer_sample,
        ranked.customers,
        ranked.customers_seen_whole_horizon,
        ranked.horizon_days,
        ranked.new_customers,
        row_number() over (
            partition by ranked.tenant_id, ranked.channel_group
            order by
                case
                    when ranked.customer_sample = 'signups_with_touchpoint'
                        and ranked.horizon_days > 0
                        and ranked.horizon_days
                            >= {{ settings.min_sample_horizon_share }} * ranked.all_horizon_days
                        then 0
                    else 1
                end,
                case ranked.customer_sample when 'new_customers' then 0 else 1 end
        ) as sample_rank
    from ranked
)

select * from chosen
