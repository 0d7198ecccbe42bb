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
        cast(amount as {{ cerebro.type_amount() }}) as amount,
        upper(currency) as currency,
        note,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
