{{ config(partition_date_column='funnel_date') }}

-- Página "Canales": the funnel per local day and channel group (doc block kpi_channel_funnel):
-- impressions and clicks where the channel reports them (the ad platforms; Search Console for
-- SEO / Orgánico), sessions where the tenant lands GA4, checkouts, valid orders and repeat
-- orders. Each step is a count on its own day, so a period's conversion between two steps is a
-- ratio of sums.
with

ad_reach as (
    select * from {{ ref('mart_channel_spend_daily') }}
    where {{ in_partition_window('spend_date') }}
),

organic_search as (
    select * from {{ ref('fct_organic_search_daily') }}
    where {{ in_partition_window('search_date') }}
),

web_traffic as (
    select * from {{ ref('int_ga4_traffic_channel_mapped') }}
    where {{ in_partition_window('session_date') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
    where {{ in_partition_window('created_date') }}
),

checkouts as (
    select * from {{ ref('fct_checkouts') }}
    where {{ in_partition_window('created_date') }}
),

-- Every order and customer of the window's tenants: a checkout's order may fall outside the
-- window, and a repeat order is told by the customer's whole history.
tenant_orders as (
    select * from {{ ref('fct_orders') }}
    where {{ in_partition_tenants() }}
),

tenant_customers as (
    select * from {{ ref('dim_customers') }}
    where {{ in_partition_tenants() }}
),

-- Each buyer's first valid order, among the customers with a valid order in the window.
window_buyers as (
    select distinct orders.tenant_id, orders.customer_id
    from orders
    where orders.is_valid and orders.customer_id is not null
),

numbered_valid_orders as (
    select
        tenant_orders.tenant_id,
        tenant_orders.order_id,
        row_number() over (
            partition by tenant_orders.tenant_id, tenant_orders.customer_id
            order by tenant_orders.created_at, tenant_orders.order_id
        ) as valid_order_number
    from tenant_orders
    inner join window_buyers
        on tenant_orders.tenant_id = window_buyers.tenant_id
        and tenant_orders.customer_id = window_buyers.customer_id
    where tenant_orders.is_valid
),

reach_steps as (
    select
        ad_reach.tenant_id,
        ad_reach.spend_date as funnel_date,
        ad_reach.channel_group,
        ad_reach.impressions,
        ad_reach.clicks,
        cast(null as bigint) as sessions,
        0 as checkouts_created,
        0 as valid_orders,
        0 as repeat_orders
    from ad_reach

    union all

    -- Search Console reports Google's organic results: the channel the channel_mapping seed
    -- gives organic search traffic.
    select
        organic_search.tenant_id,
        organic_search.search_date as funnel_date,
        'SEO / Orgánico' as channel_group,
        organic_search.impressions,
        organic_search.clicks,
        cast(null as bigint) as sessions,
        0 as checkouts_created,
        0 as valid_orders,
        0 as repeat_orders
    from organic_search
),

-- The visit step: GA4's sessions by the channel its source / medium maps to. A tenant without
-- GA4 has no rows here and its sessions stay null, as every other step was before GA4.
session_steps as (
    select
        web_traffic.tenant_id,
        web_traffic.session_date as funnel_date,
        web_traffic.channel_group,
        cast(null as bigint) as impressions,
        cast(null as bigint) as clicks,
        web_traffic.sessions,
        0 as checkouts_created,
        0 as valid_orders,
        0 as repeat_orders
    from web_traffic
),

-- A checkout that became an order counts for the order's channel; one abandoned, for the
-- customer's acquisition channel (the best known of an unfinished visit); a guest's, Directo.
checkout_steps as (
    select
        checkouts.tenant_id,
        checkouts.created_date as funnel_date,
        case
            when checkout_orders.order_id is not null
                then coalesce(checkout_orders.channel_group, 'Directo')
            else coalesce(checkout_customers.acquisition_channel, 'Directo')
        end as channel_group,
        cast(null as bigint) as impressions,
        cast(null as bigint) as clicks,
        cast(null as bigint) as sessions,
        1 as checkouts_created,
        0 as valid_orders,
        0 as repeat_orders
    from checkouts
    left join tenant_orders as checkout_orders
        on checkouts.tenant_id = checkout_orders.tenant_id
        and checkouts.order_id = checkout_orders.order_id
    left join tenant_customers as checkout_customers
        on checkouts.tenant_id = checkout_customers.tenant_id
        and checkouts.customer_id = checkout_customers.customer_id
),

-- A repeat order is a customer's valid order after their first; a guest's is never one.
order_steps as (
    select
        orders.tenant_id,
        orders.created_date as funnel_date,
        coalesce(orders.channel_group, 'Directo') as channel_group,
        cast(null as bigint) as impressions,
        cast(null as bigint) as clicks,
        cast(null as bigint) as sessions,
        0 as checkouts_created,
        case when orders.is_valid then 1 else 0 end as valid_orders,
        case when numbered_valid_orders.valid_order_number > 1 then 1 else 0 end as repeat_orders
    from orders
    left join numbered_valid_orders
        on orders.tenant_id = numbered_valid_orders.tenant_id
        and orders.order_id = numbered_valid_orders.order_id
),

steps as (
    select * from reach_steps
    union all
    select * from session_steps
    union all
    select * from checkout_steps
    union all
    select * from order_steps
),

aggregated as (
    select
        steps.tenant_id,
        steps.funnel_date,
        steps.channel_group,
        -- Null where the channel reports no reach (Directo, Email, ...), not zero.
        sum(steps.impressions) as impressions,
        sum(steps.clicks) as clicks,
        -- Null where the tenant lands no GA4 (or GA4 saw no session of the channel that day).
        sum(steps.sessions) as sessions,
        sum(steps.checkouts_created) as checkouts_created,
        sum(steps.valid_orders) as valid_orders,
        sum(steps.repeat_orders) as repeat_orders
    from steps
    group by 1, 2, 3
)

select * from aggregated
