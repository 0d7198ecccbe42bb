{#- A partition run's tests read the window's days, lookback included (macros/partition_tests.sql):
    the days a night lands again (Search Console's last days settle) and its models re-read. -#}
{{ config(partition_date_column='search_date') }}

with

source as (
    select * from {{ not_quarantined('search_console', 'performance_by_date') }}
),

renamed as (
    select
        tenant_id,
        site_url,
        lower(search_type) as search_type,
        cast(date as date) as search_date,
        cast(clicks as {{ dbt.type_bigint() }}) as clicks,
        cast(impressions as {{ dbt.type_bigint() }}) as impressions,
        cast(position as {{ type_double() }}) as average_position,
        lower(data_state) as data_state,
        cast(first_incomplete_date as date) as first_incomplete_date,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
