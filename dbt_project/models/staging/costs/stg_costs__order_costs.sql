-- A cost every valid order bears (the technician's trip, shipping, packing, support), from
-- valid_from until the cost's next row; a cost that stops gets a row with amount 0.
with

source as (
    select * from {{ not_quarantined('costs', 'order_costs') }}
),

renamed as (
    select
        tenant_id,
        trim(cost_name) as cost_name,
        cast(valid_from as date) as valid_from,
        cast(amount as {{ cerebro.type_amount() }}) as cost_amount_original,
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
        cost_name,
        valid_from,
        {{ converted_amount('cost_amount_original') }} as cost_amount,
        cost_amount_original,
        {{ converted_currency('currency_original') }} as currency,
        currency_original,
        exchange_rate,
        source_file,
        loaded_at
    from rated
),

dated as (
    select
        converted.*,
        lead(converted.valid_from) over (
            partition by converted.tenant_id, converted.cost_name order by converted.valid_from
        ) as valid_to
    from converted
)

select * from dated
