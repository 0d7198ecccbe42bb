-- What a payment gateway keeps of each payment: a share of the amount charged plus a fixed fee,
-- from valid_from until the gateway's next row.
with

source as (
    select * from {{ not_quarantined('costs', 'payment_fees') }}
),

renamed as (
    select
        tenant_id,
        -- Compared in lower case, as the contract checks it against the payment-method seed.
        lower(trim(gateway)) as gateway,
        cast(valid_from as date) as valid_from,
        -- type_double(), not dbt.type_float(): a 4-byte float on DuckDB.
        cast(fee_rate as {{ type_double() }}) as fee_rate,
        cast(coalesce(fixed_fee, 0) as {{ cerebro.type_amount() }}) as fixed_fee_amount,
        upper(currency) as currency,
        source_file,
        _sdc_batched_at as loaded_at
    from source
),

dated as (
    select
        renamed.*,
        lead(renamed.valid_from) over (
            partition by renamed.tenant_id, renamed.gateway order by renamed.valid_from
        ) as valid_to
    from renamed
)

select * from dated
