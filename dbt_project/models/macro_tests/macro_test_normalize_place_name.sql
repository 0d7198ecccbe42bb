with

place_name_cases as (
    select * from {{ ref('place_name_cases') }}
),

decoded as (
    select
        case_name,
        {{ decode_case_input('input_name') }} as input_name,
        expected_key
    from place_name_cases
),

normalized as (
    select
        case_name,
        input_name,
        {{ normalize_place_name('input_name') }} as actual,
        expected_key as expected
    from decoded
)

select * from normalized
