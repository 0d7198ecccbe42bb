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
        cast(unit_price_amount as {{ cerebro.type_amount() }}) as unit_price_amount_original,
        cast(original_total_amount as {{ cerebro.type_amount() }}) as original_amount_original,
        cast(discount_amount as {{ cerebro.type_amount() }}) as discount_amount_original,
        _sdc_batched_at as loaded_at
    from source
),

orders_in_other_currencies as (
    select * from {{ ref('int_orders_in_other_currencies') }}
),

rated as (
    select
        renamed.*,
        orders_in_other_currencies.currency as order_currency,
        case
            when orders_in_other_currencies.order_id is null
                then cast(1 as {{ cerebro.type_double() }})
            else orders_in_other_currencies.exchange_rate
        end as exchange_rate
    from renamed
    left join orders_in_other_currencies
        on renamed.tenant_id = orders_in_other_currencies.tenant_id
        and renamed.order_id = orders_in_other_currencies.order_id
),

converted as (
    -- In the tenant's currency at its order's rate (decision 0061): 1 for an order in the tenant's
    -- currency, which int_orders_in_other_currencies leaves out.
    select
        tenant_id,
        order_line_id,
        order_id,
        product_id,
        product_title,
        variant_id,
        variant_title,
        sku,
        quantity,
        {{ converted_amount('unit_price_amount_original') }} as unit_price_amount,
        unit_price_amount_original,
        {{ converted_amount('original_amount_original') }} as original_amount,
        original_amount_original,
        {{ converted_amount('discount_amount_original') }} as discount_amount,
        discount_amount_original,
        loaded_at,
        exchange_rate
    from rated
)

select * from converted
