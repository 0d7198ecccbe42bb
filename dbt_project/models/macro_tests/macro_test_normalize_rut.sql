with

rut_cases as (
    select * from {{ ref('rut_cases') }}
),

decoded as (
    select
        case_name,
        {{ decode_case_input('rut_input') }} as rut_input,
        expected_normalized_rut
    from rut_cases
),

normalized as (
    select
        case_name,
        rut_input,
        {{ normalize_rut('rut_input') }} as actual,
        expected_normalized_rut as expected
    from decoded
)

select * from normalized
