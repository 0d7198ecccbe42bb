{{ config(materialized='table') }}
{#- Rebuilt whole on every run: a gap may open anywhere in a tenant's history, and the rows
    are few (one per run of missing days). -#}
-- The days a paid spend source says nothing about, per tenant and source (ad platform and
-- account): between the source's first day with spend and the tenant's data cut-off, a day
-- with no spend row that also lies outside the span of days the source's tap read
-- (int_ad_accounts_unioned; CSV exports have no span, only their rows cover days). The ad
-- platforms send no row for a day without delivery, so a day inside the read span spent
-- nothing; a day outside it is unknown, never zero. One row per run of consecutive missing
-- days; `is_open` when the run reaches the cut-off (the source stopped sending). The budget
-- brain leaves these days out, the alert spend_missing_days counts them.
with

ad_spend as (
    select * from {{ ref('fct_ad_spend_daily') }}
),

ad_accounts as (
    select * from {{ ref('int_ad_accounts_unioned') }}
),

cutoffs as (
    select * from {{ ref('int_tenant_data_cutoffs') }}
),

spend_days as (
    select tenant_id, platform, channel_group, account_id, spend_date
    from ad_spend
    group by 1, 2, 3, 4, 5
),

sources as (
    select tenant_id, platform, channel_group, account_id, min(spend_date) as first_spend_date
    from spend_days
    group by 1, 2, 3, 4
),

covered_ranges as (
    -- Each day with spend rows, and each API account's span of days read.
    select tenant_id, platform, account_id, spend_date as covered_from, spend_date as covered_to
    from spend_days

    union all

    select
        tenant_id, platform, account_id,
        coalesce(report_start_date, report_end_date) as covered_from,
        report_end_date as covered_to
    from ad_accounts
),

ranges_ordered as (
    select
        tenant_id,
        platform,
        account_id,
        covered_from,
        max(covered_to) over (
            partition by tenant_id, platform, account_id
            order by covered_from, covered_to
            rows between unbounded preceding and 1 preceding
        ) as covered_before
    from covered_ranges
),

gaps_between_ranges as (
    select
        tenant_id,
        platform,
        account_id,
        cast({{ dbt.dateadd('day', 1, 'covered_before') }} as date) as gap_start_date,
        cast({{ dbt.dateadd('day', -1, 'covered_from') }} as date) as gap_end_date
    from ranges_ordered
    where covered_from > cast({{ dbt.dateadd('day', 1, 'covered_before') }} as date)
),

covered_through as (
    select tenant_id, platform, account_id, max(covered_to) as covered_to
    from covered_ranges
    group by 1, 2, 3
),

gaps_before_cutoff as (
    select
        covered_through.tenant_id,
        covered_through.platform,
        covered_through.account_id,
        cast({{ dbt.dateadd('day', 1, 'covered_through.covered_to') }} as date) as gap_start_date,
        cutoffs.data_cutoff_date as gap_end_date
    from covered_through
    inner join cutoffs
        on covered_through.tenant_id = cutoffs.tenant_id
    where covered_through.covered_to < cutoffs.data_cutoff_date
),

gaps as (
    select * from gaps_between_ranges
    union all
    select * from gaps_before_cutoff
),

gaps_bounded as (
    -- Only the days from the source's first day with spend to the tenant's cut-off.
    select
        sources.tenant_id,
        sources.platform,
        sources.channel_group,
        sources.account_id,
        greatest(gaps.gap_start_date, sources.first_spend_date) as gap_start_date,
        least(gaps.gap_end_date, cutoffs.data_cutoff_date) as gap_end_date,
        cutoffs.data_cutoff_date
    from gaps
    inner join sources
        on gaps.tenant_id = sources.tenant_id
        and gaps.platform = sources.platform
        and gaps.account_id = sources.account_id
    inner join cutoffs
        on gaps.tenant_id = cutoffs.tenant_id
),

counted as (
    select
        tenant_id,
        platform,
        channel_group,
        account_id,
        gap_start_date,
        gap_end_date,
        {{ dbt.datediff('gap_start_date', 'gap_end_date', 'day') }} + 1 as missing_days,
        gap_end_date = data_cutoff_date as is_open
    from gaps_bounded
    where gap_start_date <= gap_end_date
)

select * from counted
