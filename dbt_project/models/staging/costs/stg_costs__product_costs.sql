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
        cast(unit_cost as {{ cerebro.type_amount() }}) as unit_cost_amount_original,
        upper(currency) as currency_original,
        source_file,
        _sdc_batched_at as loaded_at
    from source
),

rated as (
    {{ with_exchange_rate('renamed', 'currency_original', 'renamed.valid_from') }}
),

converted as (
    -- A cost given in another currency is converted at the rate in force on its valid_from
    -- (decision 0061): the cost as it stood when it was set. To follow the rate, give it a row
    -- per period.
    select
        tenant_id,
        sku,
        valid_from,
        product_title,
        {{ converted_amount('unit_cost_amount_original') }} as unit_cost_amount,
        unit_cost_amount_original,
        {{ converted_currency('currency_original') }} as currency,
        currency_original,
        exchange_rate,
        source_file,
        loaded_at
    from rated
),

-- The validity range: a row holds until the next row of the same SKU (valid_to exclusive,
-- null while it is the latest).
dated as (
    select
        converted.*,
        lead(converted.valid_from) over (
            partition by converted.tenant_id, converted.sku order by converted.valid_from
        ) as valid_to
    from converted
)

select * from dated
