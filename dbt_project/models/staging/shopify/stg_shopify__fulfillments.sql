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
