-- Every key a comuna (district) can be written as: its official name's key
-- and its common aliases, with the region it belongs to.
with

comunas as (
    select * from {{ ref('comunas') }}
),

comuna_aliases as (
    select * from {{ ref('comuna_aliases') }}
),

official_names as (
    select
        comunas.country_code,
        comunas.comuna_key as match_key,
        comunas.comuna_name,
        comunas.region_code
    from comunas
),

aliases as (
    select
        comuna_aliases.country_code,
        comuna_aliases.alias_key as match_key,
        comunas.comuna_name,
        comunas.region_code
    from comuna_aliases
    inner join comunas
        on comuna_aliases.country_code = comunas.country_code
        and comuna_aliases.comuna_name = comunas.comuna_name
),

unioned as (
    select * from official_names
    union all
    select * from aliases
)

select * from unioned
