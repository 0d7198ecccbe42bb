with

safe_divide_cases as (
    select * from {{ ref('safe_divide_cases') }}
),

divided as (
    select
        case_name,
        operand_type,
        numerator,
        denominator,
        -- Integer operands are the case that truncates on PostgreSQL.
        case operand_type
            when 'integer' then {{ safe_divide('cast(numerator as integer)', 'cast(denominator as integer)') }}
            else {{ safe_divide('numerator', 'denominator') }}
        end as actual,
        expected_quotient as expected
    from safe_divide_cases
)

select * from divided
