with

campaign_slug_cases as (
    select * from {{ ref('campaign_slug_cases') }}
),

slugged as (
    select
        case_name,
        input_name,
        {{ campaign_slug('input_name') }} as actual,
        expected_slug as expected
    from campaign_slug_cases
)

select * from slugged
