-- Per tenant and acquisition channel, the value of the customers it brought over the last
-- var('insights_lookback_months') months of data: new customers, spend, the value of a new
-- customer (mart_new_customer_value, the figure's one home: their first 12 months, first
-- order included) and LTV:CAC (their value / spend). The window ends in the month of the
-- tenant's data cut-off, so insights move with the data. Channels with at least
-- var('insights_min_new_customers') new customers are ranked by the value of a new customer
-- and, when they have spend, by LTV:CAC; the tenant's value of a new customer is the
-- window's new customers' mean.
{%- set min_customers = var('insights_min_new_customers') %}

with

channel_value as (
    select * from {{ ref('mart_channel_value_monthly') }}
),

new_customer_values as (
    select * from {{ ref('mart_new_customer_value') }}
),

cutoffs as (
    select * from {{ ref('int_tenant_data_cutoffs') }}
),

tenants as (
    select * from {{ ref('dim_tenants') }}
),

windows as (
    select
        tenant_id,
        cast({{ dbt.dateadd('month', 1 - var('insights_lookback_months'),
            dbt.date_trunc('month', 'data_cutoff_date')) }} as date) as window_start_date,
        data_cutoff_date as window_end_date
    from cutoffs
),

summed as (
    select
        channel_value.tenant_id,
        channel_value.channel_group,
        min(windows.window_start_date) as window_start_date,
        min(windows.window_end_date) as window_end_date,
        sum(channel_value.spend_amount) as spend_amount,
        sum(channel_value.new_customers) as new_customers,
        {{ sum_exact('channel_value.new_customers_value_amount') }} as new_customers_value_amount
    from channel_value
    inner join windows
        on channel_value.tenant_id = windows.tenant_id
        and channel_value.month_start_date between windows.window_start_date and windows.window_end_date
    group by 1, 2
),

valued as (
    select
        summed.*,
        new_customer_values.customer_value_amount as ltv_per_customer_amount,
        new_customer_values.value_basis,
        new_customer_values.value_basis_label,
        {{ safe_divide('summed.new_customers_value_amount', 'summed.spend_amount') }} as ltv_cac,
        summed.new_customers >= {{ min_customers }}
            and new_customer_values.customer_value_amount is not null as is_rankable,
        {{ safe_divide(
            sum_exact('summed.new_customers_value_amount', over='partition by summed.tenant_id'),
            'sum(case when summed.new_customers_value_amount is not null then summed.new_customers end) over (partition by summed.tenant_id)'
        ) }} as tenant_ltv_per_customer_amount
    from summed
    left join new_customer_values
        on summed.tenant_id = new_customer_values.tenant_id
        and summed.channel_group = new_customer_values.channel_group
),

ranked as (
    select
        valued.*,
        case when is_rankable then row_number() over (
            partition by tenant_id, is_rankable order by ltv_per_customer_amount desc, channel_group
        ) end as ltv_rank,
        case when is_rankable and spend_amount > 0 then row_number() over (
            partition by tenant_id, is_rankable and spend_amount > 0 order by ltv_cac desc, channel_group
        ) end as ltv_cac_rank,
        case when is_rankable and spend_amount > 0 then count(*) over (
            partition by tenant_id, is_rankable and spend_amount > 0
        ) end as ltv_cac_ranked_channels
    from valued
)

select
    ranked.tenant_id,
    ranked.channel_group,
    ranked.window_start_date,
    ranked.window_end_date,
    tenants.currency,
    ranked.spend_amount,
    ranked.new_customers,
    ranked.new_customers_value_amount,
    ranked.value_basis,
    ranked.value_basis_label,
    ranked.ltv_per_customer_amount,
    ranked.tenant_ltv_per_customer_amount,
    ranked.ltv_cac,
    ranked.ltv_rank,
    ranked.ltv_cac_rank,
    ranked.ltv_cac_ranked_channels
from ranked
inner join tenants
    on ranked.tenant_id = tenants.tenant_id
