-- Every customer with the days of their first var('new_customer_value').days the data has
-- seen (day 0 is the signup's local day; doc block kpi_new_customer_value), once in the
-- sample of all the channel's new customers and, when the signup itself carried the channel
-- (a signup touchpoint with data), once more in the sample of such signups: whether a signup
-- kept its tag does not depend on whether the customer buys, while a customer whose tag was
-- lost keeps the channel only by buying (dim_customers reads the first order's), so among
-- all new customers the channel's non-buyers are undercounted.
{{ config(materialized='view') }}
{%- set settings = var('new_customer_value') %}

with

customers as (
    select * from {{ ref('dim_customers') }}
),

cutoffs as (
    select * from {{ ref('int_tenant_data_cutoffs') }}
),

signup_touchpoints as (
    select * from {{ ref('int_touchpoints_channel_mapped') }}
    where touchpoint_type = 'customer_signup'
        and has_touchpoint_data
),

-- Read twice (both samples): not materialized, so a reader's tenant filter reaches dim_customers
-- on PostgreSQL instead of every tenant's customers being computed first.
observed as {{ not_materialized() }} (
    select
        customers.tenant_id,
        customers.customer_id,
        customers.acquisition_channel as channel_group,
        customers.signup_date,
        least(
            {{ dbt.datediff('customers.signup_date', 'cutoffs.data_cutoff_date', 'day') }} + 1,
            {{ settings.days }}
        ) as observed_days,
        signup_touchpoints.touchpoint_id is not null as has_signup_touchpoint
    from customers
    inner join cutoffs
        on customers.tenant_id = cutoffs.tenant_id
    left join signup_touchpoints
        on customers.tenant_id = signup_touchpoints.tenant_id
        and customers.customer_id = signup_touchpoints.touchpoint_id
    where customers.signup_date <= cutoffs.data_cutoff_date
),

sampled as (
    select observed.*, 'new_customers' as customer_sample from observed
    union all
    select observed.*, 'signups_with_touchpoint' as customer_sample from observed
    where observed.has_signup_touchpoint
)

select * from sampled
