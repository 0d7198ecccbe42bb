-- The place seeds store precomputed matching keys; they must be exactly what
-- normalize_place_name produces, or a comuna would never match.
with

comunas as (
    select * from {{ ref('comunas') }}
),

comuna_aliases as (
    select * from {{ ref('comuna_aliases') }}
),

keys_unioned as (
    select
        'comunas' as seed_name,
        country_code,
        comuna_name as input_name,
        comuna_key as stored_key
    from comunas

    union all

    select
        'comuna_aliases' as seed_name,
        country_code,
        alias_key as input_name,
        alias_key as stored_key
    from comuna_aliases
),

normalized as (
    select
        seed_name,
        country_code,
        input_name,
        {{ normalize_place_name('input_name') }} as actual,
        stored_key as expected
    from keys_unioned
)

select * from normalized
