{#- A partition run's tests read the rows whose updated_at falls in its window,
    a new customer or a changed one (macros/partition_tests.sql, decision 0016). -#}
{{ config(partition_timestamp_column='updated_at') }}

with

source as (
    select * from {{ not_quarantined('shopify', 'customers') }}
),

renamed as (
    select
        tenant_id,
        customer_id,
        lower(trim(email)) as email,
        nullif(trim(phone), '') as phone,
        -- The marts carry these instead of the clear values (decision 0014).
        {{ email_sha256('email') }} as email_sha256,
        {{ phone_sha256('phone') }} as phone_sha256,
        first_name,
        last_name,
        upper(state) as account_state,
        -- Unknown stays unknown: a store platform that keeps no verification (WooCommerce)
        -- lands null, which the onboarding rate leaves out of its denominator.
        verified_email as is_email_verified,
        upper(email_marketing_state) as email_marketing_state,
        upper(sms_marketing_state) as sms_marketing_state,
        nullif(trim(tags), '') as tags,
        nullif(trim(rut), '') as rut_as_entered,
        {{ normalize_rut('rut') }} as rut,
        lower(nullif(trim(signup_utm_source), '')) as signup_utm_source,
        lower(nullif(trim(signup_utm_medium), '')) as signup_utm_medium,
        lower(nullif(trim(signup_utm_campaign), '')) as signup_utm_campaign,
        {{ referring_domain('signup_referring_site') }} as signup_referring_domain,
        nullif(trim(default_address_city), '') as default_address_city,
        nullif(trim(default_address_province), '') as default_address_province,
        upper(nullif(trim(default_address_province_code), '')) as default_address_province_code,
        upper(nullif(trim(default_address_country_code), '')) as default_address_country_code,
        cast(created_at as timestamp) as created_at,
        cast(updated_at as timestamp) as updated_at,
        _sdc_batched_at as loaded_at
    from source
),

validated as (
    select
        renamed.*,
        -- Judged from the normalized column, one CTE later (see the macro).
        {{ is_valid_normalized_rut('renamed.rut') }} as is_rut_valid
    from renamed
)

select * from validated
