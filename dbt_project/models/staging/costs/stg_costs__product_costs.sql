-- Cost of goods sold per unit of a SKU, before tax, from valid_from until the SKU's next row.
with

source as (
    select * from {{ not_quarantined('costs', 'product_costs') }}
),

renamed as (
    select
        tenant_id,
        trim(sku) as sku,
        cast(valid_from as date) as valid_from,
        product_title,
        cast(unit_cost as {{ cerebro.type_amount() }}) as unit_cost_amount,
        upper(currency) as currency,
        source_file,
        _sdc_batched_at as loaded_at
    from source
),

-- The validity range: a row holds until the next row of the same SKU (valid_to exclusive,
-- null while it is the latest).
dated as (
    select
        renamed.*,
        lead(renamed.valid_from) over (
            partition by renamed.tenant_id, renamed.sku order by renamed.valid_from
        ) as valid_to
    from renamed
)

select * from dated
