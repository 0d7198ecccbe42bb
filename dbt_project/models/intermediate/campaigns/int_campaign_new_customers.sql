-- One row per new customer per tenant with the campaign that acquired them
-- (int_campaign_touches' acquisition), their cohort month, and their early repurchase (doc
-- block kpi_campaign_performance): a customer whose first valid order is at least
-- var('campaign_performance').repurchase_days days before the data's cut-off is observed; of
-- those, one with a second valid order within that many days of the first repurchased.
-- Incremental, rebuilt per tenant, as int_campaign_touches (which says why).
{{ config(materialized='incremental') }}
{%- set days = var('campaign_performance').repurchase_days %}

with

acquisitions as (
    select * from {{ ref('int_campaign_touches') }}
    where {{ in_partition_tenants() }}
        and touch_type = 'acquisition'
),

orders as (
    select * from {{ ref('fct_orders') }}
    where {{ in_partition_tenants() }}
        and is_valid and customer_id is not null
),

cutoffs as (
    select * from {{ ref('int_tenant_data_cutoffs') }}
    where {{ in_partition_tenants() }}
),

ranked_orders as (
    select
        orders.tenant_id,
        orders.customer_id,
        orders.created_date,
        row_number() over (
            partition by orders.tenant_id, orders.customer_id
            order by orders.created_at, orders.order_id
        ) as order_rank
    from orders
),

first_two_orders as (
    select
        ranked_orders.tenant_id,
        ranked_orders.customer_id,
        min(case when ranked_orders.order_rank = 1 then ranked_orders.created_date end)
            as first_order_date,
        min(case when ranked_orders.order_rank = 2 then ranked_orders.created_date end)
            as second_order_date
    from ranked_orders
    where ranked_orders.order_rank <= 2
    group by 1, 2
),

final as (
    select
        acquisitions.tenant_id,
        acquisitions.customer_id,
        acquisitions.channel_group,
        acquisitions.campaign_key,
        acquisitions.campaign_name,
        cast({{ dbt.date_trunc('month', 'acquisitions.touch_date') }} as date) as cohort_month,
        first_two_orders.first_order_date,
        coalesce(
            {{ dbt.datediff('first_two_orders.first_order_date', 'cutoffs.data_cutoff_date', 'day') }}
                >= {{ days }},
            false
        ) as is_repurchase_observed,
        coalesce(
            {{ dbt.datediff('first_two_orders.first_order_date', 'cutoffs.data_cutoff_date', 'day') }}
                >= {{ days }}
            and {{ dbt.datediff('first_two_orders.first_order_date', 'first_two_orders.second_order_date', 'day') }}
                <= {{ days }},
            false
        ) as has_repurchased
    from acquisitions
    inner join cutoffs
        on acquisitions.tenant_id = cutoffs.tenant_id
    left join first_two_orders
        on acquisitions.tenant_id = first_two_orders.tenant_id
        and acquisitions.customer_id = first_two_orders.customer_id
)

select * from final
