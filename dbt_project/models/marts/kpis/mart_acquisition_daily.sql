{{ config(partition_date_column='signup_date') }}

-- Página "Adquisición": signups per local day, channel and region, with the
-- numerators of the onboarding and RUT validation rates and the onboarding rate's denominator
-- (doc kpi_acquisition), so any period's rates are sums over days, never averages of daily
-- rates.
with

customers as (
    select * from {{ ref('dim_customers') }}
    where {{ in_partition_window('signup_date') }}
),

aggregated as (
    select
        customers.tenant_id,
        customers.signup_date,
        customers.acquisition_channel,
        customers.region_name,
        count(*) as new_users,
        sum(case when customers.is_onboarded then 1 else 0 end) as onboarded_users,
        sum(
            case when {{ onboarding_is_observed('customers.is_email_verified') }} then 1 else 0 end
        ) as onboarding_observed_users,
        sum(case when customers.is_rut_valid then 1 else 0 end) as rut_validated_users
    from customers
    group by 1, 2, 3, 4
)

select * from aggregated
