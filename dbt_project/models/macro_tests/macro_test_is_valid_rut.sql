with

rut_cases as (
    select * from {{ ref('rut_cases') }}
),

decoded as (
    select
        case_name,
        {{ decode_case_input('rut_input') }} as rut_input,
        expected_is_valid
    from rut_cases
),

validated as (
    select
        case_name,
        rut_input,
        {{ is_valid_rut('rut_input') }} as actual,
        expected_is_valid as expected
    from decoded
)

select * from validated
