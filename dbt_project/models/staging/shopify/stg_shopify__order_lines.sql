with

source as (
    select * from {{ not_quarantined('shopify', 'order_lines') }}
),

renamed as (
    select
        tenant_id,
        order_line_id,
        order_id,
        product_id,
        trim(product_title) as product_title,
        variant_id,
        variant_title,
        sku,
        cast(quantity as integer) as quantity,
        cast(unit_price_amount as {{ cerebro.type_amount() }}) as unit_price_amount,
        cast(original_total_amount as {{ cerebro.type_amount() }}) as original_amount,
        cast(discount_amount as {{ cerebro.type_amount() }}) as discount_amount,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
