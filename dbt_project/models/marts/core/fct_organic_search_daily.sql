{{ config(partition_date_column='search_date') }}

with

search_performance as (
    select * from {{ ref('stg_search_console__performance_by_date') }}
)

select
    tenant_id,
    search_date,
    site_url,
    search_type,
    clicks,
    impressions,
    {{ safe_divide('clicks', 'impressions') }} as click_through_rate,
    average_position
from search_performance
where {{ in_partition_window('search_date') }}
