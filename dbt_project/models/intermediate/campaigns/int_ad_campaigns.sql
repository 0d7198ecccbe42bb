-- One row per ad campaign as landed (tenant, platform, campaign id, campaign name) with the
-- campaign it is (campaign_key: the platform's id, or the name where a CSV export gives none)
-- and the name the pages show (the newest name the campaign spent under). A campaign renamed
-- on its platform keeps one key; a UTM that spells any of its names or its id finds it
-- (int_campaign_touches).
with

ad_spend as (
    select * from {{ ref('fct_ad_spend_daily') }}
),

landed as (
    select
        ad_spend.tenant_id,
        ad_spend.channel_group,
        ad_spend.platform,
        ad_spend.campaign_id,
        ad_spend.campaign_name,
        {{ dbt.concat([
            'ad_spend.platform', "':'",
            "coalesce(ad_spend.campaign_id, " ~ dbt.concat(["'nombre:'", 'lower(trim(ad_spend.campaign_name))']) ~ ")",
        ]) }} as campaign_key,
        max(ad_spend.spend_date) as last_spend_date
    from ad_spend
    group by 1, 2, 3, 4, 5
),

named as (
    select
        landed.*,
        first_value(landed.campaign_name) over (
            partition by landed.tenant_id, landed.campaign_key
            order by landed.last_spend_date desc, landed.campaign_name
            rows between unbounded preceding and unbounded following
        ) as campaign_display_name
    from landed
)

select * from named
