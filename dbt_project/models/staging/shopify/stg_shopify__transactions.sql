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
        cast(amount as {{ cerebro.type_amount() }}) as amount,
        upper(currency) as currency,
        error_code,
        cast(created_at as timestamp) as created_at,
        cast(processed_at as timestamp) as processed_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
