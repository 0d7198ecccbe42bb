{#- A partition run's tests read the rows whose created_at falls in its window,
    the window's payments (macros/partition_tests.sql, decision 0016). -#}
{{ config(partition_timestamp_column='created_at') }}

with

source as (
    select * from {{ not_quarantined('shopify', 'transactions') }}
),

renamed as (
    select
        tenant_id,
        transaction_id,
        order_id,
        upper(kind) as transaction_kind,
        upper(status) as transaction_status,
        lower(trim(gateway)) as gateway,
        cast(amount as {{ cerebro.type_amount() }}) as amount_original,
        upper(currency) as currency_original,
        error_code,
        cast(created_at as timestamp) as created_at,
        cast(processed_at as timestamp) as processed_at,
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
    -- In the tenant's currency at its order's rate, not the payment day's (decision 0061): an
    -- order's payments then add up to its total in the tenant's currency too.
    select
        tenant_id,
        transaction_id,
        order_id,
        transaction_kind,
        transaction_status,
        gateway,
        {{ converted_amount('amount_original') }} as amount,
        amount_original,
        coalesce(order_currency, currency_original) as currency,
        currency_original,
        error_code,
        created_at,
        processed_at,
        loaded_at,
        exchange_rate
    from rated
)

select * from converted
