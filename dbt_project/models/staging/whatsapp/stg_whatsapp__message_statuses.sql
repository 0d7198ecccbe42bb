with

source as (
    select * from {{ not_quarantined('whatsapp', 'message_statuses') }}
),

renamed as (
    select
        tenant_id,
        message_id,
        lower(status) as status,
        cast(status_at as timestamp) as status_at,
        lower(recipient_phone_sha256) as recipient_phone_sha256,
        phone_number_id,
        business_account_id,
        cast(error_code as {{ dbt.type_bigint() }}) as error_code,
        error_title,
        error_details,
        pricing_category,
        cast(received_at as timestamp) as received_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
