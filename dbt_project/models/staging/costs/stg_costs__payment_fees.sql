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
        cast(coalesce(fixed_fee, 0) as {{ cerebro.type_amount() }}) as fixed_fee_amount_original,
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
        gateway,
        valid_from,
        fee_rate,
        {{ converted_amount('fixed_fee_amount_original') }} as fixed_fee_amount,
        fixed_fee_amount_original,
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
            partition by converted.tenant_id, converted.gateway order by converted.valid_from
        ) as valid_to
    from converted
)

select * from dated
