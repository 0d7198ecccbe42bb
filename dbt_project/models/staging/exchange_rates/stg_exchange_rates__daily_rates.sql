with

source as (
    select * from {{ not_quarantined('exchange_rates', 'daily_rates') }}
),

renamed as (
    select
        tenant_id,
        upper(base_currency) as base_currency,
        upper(quote_currency) as quote_currency,
        -- The day the rate is in force, as the provider dates it (decision 0061: Banco Central
        -- de Chile dates the dólar observado by the day it applies, computed from the previous
        -- banking day's trades).
        cast(rate_date as date) as rate_date,
        cast(rate as {{ cerebro.type_double() }}) as rate,
        series_id,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
