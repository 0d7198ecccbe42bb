with

local_time_cases as (
    select * from {{ ref('local_time_cases') }}
),

converted as (
    select
        case_name,
        utc_at,
        timezone_name,
        {{ local_hour('utc_at', 'timezone_name') }} as actual,
        {{ local_hour('utc_at', "'America/Santiago'") }} as actual_from_literal_timezone,
        expected_local_hour as expected
    from local_time_cases
)

select * from converted
