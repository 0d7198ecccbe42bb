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
        cast(total_amount as {{ cerebro.type_amount() }}) as total_amount_original,
        upper(currency) as currency_original,
        _sdc_batched_at as loaded_at
    from source
),

rated as (
    {{ with_exchange_rate(
        'renamed', 'currency_original',
        to_local_date('renamed.created_at', 'tenant_currencies.timezone')) }}
),

converted as (
    -- In the tenant's currency at the rate in force on the checkout's local day (decision
    -- 0061), the amount as landed kept beside it.
    select
        tenant_id,
        checkout_id,
        customer_id,
        email,
        order_id,
        created_at,
        updated_at,
        completed_at,
        items_count,
        {{ converted_amount('total_amount_original') }} as total_amount,
        total_amount_original,
        {{ converted_currency('currency_original') }} as currency,
        currency_original,
        exchange_rate,
        loaded_at
    from rated
)

select * from converted
