-- One row per campaign touch per tenant: a valid order's first click and last click (the
-- journey's first and last visit, int_order_journeys) and a customer's acquisition
-- (dim_customers' first touch), each with its channel group and the campaign its UTM names,
-- matched to an ad campaign of the same channel group (doc block kpi_campaign_performance):
-- its UTM's slug (macro campaign_slug) equal to one of the campaign's names' or its id's, or
-- to an alias of the editable seed campaign_aliases. A UTM
-- that matches none is a campaign of its own ('utm:' key); a touch without a UTM campaign is
-- the channel's '(sin campaña)'. Nothing is left out.
-- Incremental, rebuilt per tenant like int_customer_identity_keys: as a view, every reader
-- (int_campaign_new_customers, the campaign mart, their data tests) computed it again, and
-- PostgreSQL, without statistics on it, planned its readers' joins blind: the two tests of
-- int_campaign_paybacks took 10 s or 80 s from one run to the next at the agency size.
{{ config(materialized='incremental') }}

with

orders as (
    select * from {{ ref('fct_orders') }}
    where {{ in_partition_tenants() }}
        and is_valid
),

journeys as (
    select * from {{ ref('int_order_journeys') }}
    where {{ in_partition_tenants() }}
),

customers as (
    select * from {{ ref('dim_customers') }}
    where {{ in_partition_tenants() }}
),

ad_campaigns as (
    select * from {{ ref('int_ad_campaigns') }}
    where {{ in_partition_tenants() }}
),

campaign_aliases as (
    select * from {{ ref('campaign_aliases') }}
),

-- Every slug a UTM may use for a campaign: its names and its id, and the editable aliases
-- (which win). A slug two campaigns of a channel share goes to the first key (deterministic,
-- not guessed).
aliases as (
    select tenant_id, channel_group, {{ campaign_slug('campaign_name') }} as alias,
        campaign_key, campaign_display_name, 1 as alias_priority
    from ad_campaigns
    union
    select tenant_id, channel_group, {{ campaign_slug('campaign_id') }} as alias, campaign_key,
        campaign_display_name, 1 as alias_priority
    from ad_campaigns
    where campaign_id is not null
    union
    select ad_campaigns.tenant_id, ad_campaigns.channel_group,
        {{ campaign_slug('campaign_aliases.utm_campaign') }} as alias, ad_campaigns.campaign_key,
        ad_campaigns.campaign_display_name, 0 as alias_priority
    from campaign_aliases
    inner join ad_campaigns
        on campaign_aliases.channel_group = ad_campaigns.channel_group
        and (campaign_aliases.tenant_id is null
            or campaign_aliases.tenant_id = ad_campaigns.tenant_id)
        and {{ campaign_slug('campaign_aliases.campaign_name') }} in (
            {{ campaign_slug('ad_campaigns.campaign_name') }},
            {{ campaign_slug('ad_campaigns.campaign_id') }})
),

ranked_aliases as (
    select
        aliases.*,
        row_number() over (
            partition by aliases.tenant_id, aliases.channel_group, aliases.alias
            order by aliases.alias_priority, aliases.campaign_key
        ) as alias_rank
    from aliases
    where aliases.alias is not null
),

touches as (
    select
        orders.tenant_id, 'first_click' as touch_type, orders.order_id as touch_id,
        journeys.first_touch_channel_group as channel_group,
        journeys.first_touch_utm_campaign as utm_campaign,
        orders.created_date as touch_date, orders.total_amount, orders.customer_id
    from orders
    inner join journeys
        on orders.tenant_id = journeys.tenant_id
        and orders.order_id = journeys.order_id

    union all

    select
        orders.tenant_id, 'last_click' as touch_type, orders.order_id as touch_id,
        journeys.last_touch_channel_group as channel_group,
        journeys.last_touch_utm_campaign as utm_campaign,
        orders.created_date as touch_date, orders.total_amount, orders.customer_id
    from orders
    inner join journeys
        on orders.tenant_id = journeys.tenant_id
        and orders.order_id = journeys.order_id

    union all

    select
        customers.tenant_id, 'acquisition' as touch_type, customers.customer_id as touch_id,
        customers.acquisition_channel as channel_group,
        customers.acquisition_utm_campaign as utm_campaign,
        customers.signup_date as touch_date,
        cast(null as {{ cerebro.type_amount() }}) as total_amount, customers.customer_id
    from customers
),

-- Each distinct UTM slugged once: a tenant's touches repeat a few hundred UTMs, and the slug's
-- regular expression per touch was most of this model's time.
utms as (
    select distinct utm_campaign
    from touches
    where utm_campaign is not null
),

utm_slugs as (
    select
        utm_campaign,
        {{ campaign_slug('utm_campaign') }} as utm_campaign_key
    from utms
),

keyed as (
    select
        touches.*,
        utm_slugs.utm_campaign_key
    from touches
    left join utm_slugs
        on touches.utm_campaign = utm_slugs.utm_campaign
),

resolved as (
    select
        keyed.tenant_id,
        keyed.touch_type,
        keyed.touch_id,
        keyed.channel_group,
        case
            when keyed.utm_campaign_key is null then '(sin campaña)'
            when ranked_aliases.campaign_key is not null then ranked_aliases.campaign_key
            else {{ dbt.concat(["'utm:'", 'keyed.utm_campaign_key']) }}
        end as campaign_key,
        case
            when keyed.utm_campaign_key is null then '(sin campaña)'
            when ranked_aliases.campaign_key is not null then ranked_aliases.campaign_display_name
            -- As the UTM spells it (the mart shows the first spelling of its month).
            else trim(keyed.utm_campaign)
        end as campaign_name,
        keyed.utm_campaign,
        keyed.touch_date,
        keyed.total_amount,
        keyed.customer_id
    from keyed
    left join ranked_aliases
        on keyed.tenant_id = ranked_aliases.tenant_id
        and keyed.channel_group = ranked_aliases.channel_group
        and keyed.utm_campaign_key = ranked_aliases.alias
        and ranked_aliases.alias_rank = 1
)

select * from resolved
