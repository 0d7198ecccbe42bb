-- The sales tax included in prices (IVA in Chile), from valid_from until the next row.
with

source as (
    select * from {{ not_quarantined('costs', 'tax_rates') }}
),

renamed as (
    select
        tenant_id,
        cast(valid_from as date) as valid_from,
        tax_name,
        -- type_double(), not dbt.type_float(): a 4-byte float on DuckDB.
        cast(rate as {{ type_double() }}) as tax_rate,
        source_file,
        _sdc_batched_at as loaded_at
    from source
),

dated as (
    select
        renamed.*,
        lead(renamed.valid_from) over (
            partition by renamed.tenant_id order by renamed.valid_from
        ) as valid_to
    from renamed
)

select * from dated
