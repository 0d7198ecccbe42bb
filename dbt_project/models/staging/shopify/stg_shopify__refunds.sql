{#- A partition run's tests read the rows whose created_at falls in its window,
    the window's refunds (macros/partition_tests.sql, decision 0016). -#}
{{ config(partition_timestamp_column='created_at') }}

with

source as (
    select * from {{ not_quarantined('shopify', 'refunds') }}
),

renamed as (
    select
        tenant_id,
        refund_id,
        order_id,
        cast(created_at as timestamp) as created_at,
        cast(amount as {{ cerebro.type_amount() }}) as amount_original,
        upper(currency) as currency_original,
        note,
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
    -- In the tenant's currency at its order's rate, not the refund day's (decision 0061): a whole
    -- refund then gives back the order's total, no more, no less.
    select
        tenant_id,
        refund_id,
        order_id,
        created_at,
        {{ converted_amount('amount_original') }} as amount,
        amount_original,
        coalesce(order_currency, currency_original) as currency,
        currency_original,
        note,
        loaded_at,
        exchange_rate
    from rated
)

select * from converted
