{#- A partition run's tests read the rows whose created_at falls in its window,
    the checkouts fct_checkouts rebuilds (macros/partition_tests.sql, decision 0016). -#}
{{ config(partition_timestamp_column='created_at') }}

with

source as (
    select * from {{ not_quarantined('shopify', 'checkouts') }}
),

renamed as (
    select
        tenant_id,
        checkout_id,
        customer_id,
        lower(trim(email)) as email,
        order_id,
        cast(created_at as timestamp) as created_at,
        cast(updated_at as timestamp) as updated_at,
        cast(completed_at as timestamp) as completed_at,
        cast(items_count as integer) as items_count,
        cast(total_amount as {{ cerebro.type_amount() }}) as total_amount,
        upper(currency) as currency,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
