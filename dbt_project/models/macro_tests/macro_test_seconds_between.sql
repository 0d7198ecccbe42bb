with

seconds_between_cases as (
    select * from {{ ref('seconds_between_cases') }}
),

counted as (
    select
        case_name,
        start_at,
        end_at,
        {{ seconds_between('start_at', 'end_at') }} as actual,
        -- dbt's own datediff, which seconds_between must agree with on every warehouse.
        {{ dbt.datediff('start_at', 'end_at', 'second') }} as datediff_seconds,
        expected_seconds as expected
    from seconds_between_cases
)

select * from counted
