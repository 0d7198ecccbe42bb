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
        cast(amount as {{ cerebro.type_amount() }}) as cost_amount,
        upper(currency) as currency,
        source_file,
        _sdc_batched_at as loaded_at
    from source
),

dated as (
    select
        renamed.*,
        lead(renamed.valid_from) over (
            partition by renamed.tenant_id, renamed.cost_name order by renamed.valid_from
        ) as valid_to
    from renamed
)

select * from dated
