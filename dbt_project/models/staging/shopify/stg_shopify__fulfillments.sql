{#- A partition run's tests read the rows whose created_at falls in its window,
    the window's fulfilments (macros/partition_tests.sql, decision 0016). -#}
{{ config(partition_timestamp_column='created_at') }}

with

source as (
    select * from {{ not_quarantined('shopify', 'fulfillments') }}
),

renamed as (
    select
        tenant_id,
        fulfillment_id,
        order_id,
        upper(status) as fulfillment_status,
        cast(created_at as timestamp) as created_at,
        cast(updated_at as timestamp) as updated_at,
        cast(delivered_at as timestamp) as delivered_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
