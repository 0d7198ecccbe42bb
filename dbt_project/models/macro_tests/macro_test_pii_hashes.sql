with

pii_hash_cases as (
    select * from {{ ref('pii_hash_cases') }}
),

decoded as (
    select
        case_name,
        value_kind,
        {{ decode_case_input('value_input') }} as value_input,
        expected_normalized,
        expected_sha256
    from pii_hash_cases
),

hashed as (
    select
        case_name,
        value_kind,
        value_input,
        case value_kind
            when 'email' then {{ normalize_email('value_input') }}
            when 'phone' then {{ normalize_phone('value_input') }}
        end as actual_normalized,
        expected_normalized,
        case value_kind
            when 'email' then {{ email_sha256('value_input') }}
            when 'phone' then {{ phone_sha256('value_input') }}
        end as actual_sha256,
        expected_sha256
    from decoded
)

select * from hashed
