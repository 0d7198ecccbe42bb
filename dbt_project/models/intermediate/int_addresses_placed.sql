{{
    config(
        materialized='incremental',
        partition_date_column='partition_date',
        unique_key=['tenant_id', 'address_type', 'owner_id'],
    )
}}
{#- Incremental like its readers, fct_orders and dim_customers (decision 0017): a partition
    run re-reads what they read, the window's orders (dated by their local creation day) and
    the window's customers (dated by their last change), lookback included, and replaces
    those rows by key. A full build reads everything. -#}
{%- set window = partition_window() if is_incremental() else none %}

-- Every address (a customer's default address, an order's service address)
-- placed on the map: the official comuna name when the free-text city matches
-- the comunas seed or an alias, and its region; else the region of the Shopify
-- province code; else 'Sin comuna' / 'Sin región'.
with

customers as (
    {{ dated_customers(window, [
        'default_address_city', 'default_address_province_code', 'default_address_country_code',
    ]) }}
),

orders as (
    {{ dated_orders(window, [
        'shipping_city', 'shipping_province_code', 'shipping_country_code',
    ], 'partition_date') }}
),

tenants as (
    select * from {{ ref('dim_tenants') }}
),

places as (
    select * from {{ ref('int_places_matchable') }}
),

regions as (
    select * from {{ ref('regions') }}
),

addresses as (
    select
        tenant_id,
        'customer_default' as address_type,
        customer_id as owner_id,
        default_address_city as city,
        default_address_province_code as province_code,
        default_address_country_code as country_code,
        partition_date
    from customers

    union all

    select
        tenant_id,
        'order_shipping' as address_type,
        order_id as owner_id,
        shipping_city as city,
        shipping_province_code as province_code,
        shipping_country_code as country_code,
        partition_date
    from orders
),

cities as (
    select distinct addresses.city
    from addresses
    where addresses.city is not null
),

-- Keyed once per distinct city rather than per address: a store's addresses repeat a few
-- thousand place names at most, and the accent fold is the dearest expression of the model
-- (translate() is slow on DuckDB; millions of rows spent most of the build there).
city_keys as (
    select
        cities.city,
        {{ normalize_place_name('cities.city') }} as city_key
    from cities
),

placed as (
    select
        addresses.tenant_id,
        addresses.address_type,
        addresses.owner_id,
        coalesce(places.comuna_name, addresses.city, 'Sin comuna') as comuna,
        coalesce(places.region_code, regions.region_code) as region_code,
        coalesce(place_regions.region_name, regions.region_name, 'Sin región') as region_name,
        addresses.partition_date
    from addresses
    inner join tenants
        on addresses.tenant_id = tenants.tenant_id
    left join city_keys
        on addresses.city = city_keys.city
    left join places
        on coalesce(addresses.country_code, tenants.country_code) = places.country_code
        and city_keys.city_key = places.match_key
    left join regions as place_regions
        on places.region_code = place_regions.region_code
    left join regions
        on {{ region_code('addresses.country_code', 'addresses.province_code', 'tenants.country_code') }}
            = regions.region_code
)

select * from placed
