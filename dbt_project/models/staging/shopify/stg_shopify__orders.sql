{#- A partition run's tests read the rows whose created_at falls in its window,
    the orders fct_orders rebuilds (macros/partition_tests.sql, decision 0016). -#}
{{ config(partition_timestamp_column='created_at') }}

with

source as (
    select * from {{ not_quarantined('shopify', 'orders') }}
),

renamed as (
    select
        tenant_id,
        order_id,
        order_name,
        customer_id,
        lower(trim(email)) as email,
        -- The marts carry this instead of the clear e-mail (decision 0014).
        {{ email_sha256('email') }} as email_sha256,
        cast(created_at as timestamp) as created_at,
        cast(processed_at as timestamp) as processed_at,
        cast(cancelled_at as timestamp) as cancelled_at,
        upper(cancel_reason) as cancel_reason,
        cast(closed_at as timestamp) as closed_at,
        cast(updated_at as timestamp) as updated_at,
        upper(currency) as currency_original,
        upper(financial_status) as financial_status,
        upper(fulfillment_status) as fulfillment_status,
        cast(subtotal_amount as {{ cerebro.type_amount() }}) as subtotal_amount_original,
        cast(total_discounts_amount as {{ cerebro.type_amount() }}) as discount_amount_original,
        cast(total_shipping_amount as {{ cerebro.type_amount() }}) as shipping_amount_original,
        cast(total_tax_amount as {{ cerebro.type_amount() }}) as tax_amount_original,
        cast(total_amount as {{ cerebro.type_amount() }}) as total_amount_original,
        cast(total_refunded_amount as {{ cerebro.type_amount() }}) as reported_refunded_amount_original,
        coalesce(taxes_included, false) as are_taxes_included,
        coalesce(is_test, false) as is_test,
        lower(source_name) as source_name,
        lower(nullif(trim(landing_utm_source), '')) as landing_utm_source,
        lower(nullif(trim(landing_utm_medium), '')) as landing_utm_medium,
        lower(nullif(trim(landing_utm_campaign), '')) as landing_utm_campaign,
        lower(nullif(trim(landing_utm_content), '')) as landing_utm_content,
        lower(nullif(trim(landing_utm_term), '')) as landing_utm_term,
        {{ referring_domain('referring_site') }} as referring_domain,
        landing_page,
        -- The customer journey (Shopify's customerJourneySummary): the landing columns above
        -- are its first visit; the last visit is the session in which the order was placed.
        cast(first_visit_at as timestamp) as first_visit_at,
        lower(nullif(trim(first_visit_source), '')) as first_visit_source,
        lower(nullif(trim(last_visit_utm_source), '')) as last_visit_utm_source,
        lower(nullif(trim(last_visit_utm_medium), '')) as last_visit_utm_medium,
        lower(nullif(trim(last_visit_utm_campaign), '')) as last_visit_utm_campaign,
        lower(nullif(trim(last_visit_utm_content), '')) as last_visit_utm_content,
        lower(nullif(trim(last_visit_utm_term), '')) as last_visit_utm_term,
        {{ referring_domain('last_visit_referring_site') }} as last_visit_referring_domain,
        last_visit_landing_page,
        cast(last_visit_at as timestamp) as last_visit_at,
        lower(nullif(trim(last_visit_source), '')) as last_visit_source,
        cast(journey_moments_count as integer) as journey_moments_count,
        cast(journey_days_to_conversion as integer) as journey_days_to_conversion,
        is_journey_ready,
        nullif(trim(shipping_city), '') as shipping_city,
        nullif(trim(shipping_province), '') as shipping_province,
        upper(nullif(trim(shipping_province_code), '')) as shipping_province_code,
        upper(nullif(trim(shipping_country_code), '')) as shipping_country_code,
        -- Ratings outside 1..5 are typos in the metafield, not ratings.
        case when rating between 1 and 5 then cast(rating as integer) end as rating,
        _sdc_batched_at as loaded_at
    from source
),

rated as (
    -- An order is one sale: its amounts, its lines', payments' and refunds' convert at the rate
    -- in force on its local day of creation (decision 0061; int_orders_in_other_currencies).
    {{ with_exchange_rate(
        'renamed', 'currency_original',
        to_local_date('renamed.created_at', 'tenant_currencies.timezone')) }}
),

converted as (
    select
        tenant_id,
        order_id,
        order_name,
        customer_id,
        email,
        email_sha256,
        created_at,
        processed_at,
        cancelled_at,
        cancel_reason,
        closed_at,
        updated_at,
        {{ converted_currency('currency_original') }} as currency,
        currency_original,
        exchange_rate,
        financial_status,
        fulfillment_status,
        {{ converted_amount('subtotal_amount_original') }} as subtotal_amount,
        subtotal_amount_original,
        {{ converted_amount('discount_amount_original') }} as discount_amount,
        discount_amount_original,
        {{ converted_amount('shipping_amount_original') }} as shipping_amount,
        shipping_amount_original,
        {{ converted_amount('tax_amount_original') }} as tax_amount,
        tax_amount_original,
        {{ converted_amount('total_amount_original') }} as total_amount,
        total_amount_original,
        {{ converted_amount('reported_refunded_amount_original') }} as reported_refunded_amount,
        reported_refunded_amount_original,
        are_taxes_included,
        is_test,
        source_name,
        landing_utm_source,
        landing_utm_medium,
        landing_utm_campaign,
        landing_utm_content,
        landing_utm_term,
        referring_domain,
        landing_page,
        first_visit_at,
        first_visit_source,
        last_visit_utm_source,
        last_visit_utm_medium,
        last_visit_utm_campaign,
        last_visit_utm_content,
        last_visit_utm_term,
        last_visit_referring_domain,
        last_visit_landing_page,
        last_visit_at,
        last_visit_source,
        journey_moments_count,
        journey_days_to_conversion,
        is_journey_ready,
        shipping_city,
        shipping_province,
        shipping_province_code,
        shipping_country_code,
        rating,
        loaded_at
    from rated
)

select * from converted
