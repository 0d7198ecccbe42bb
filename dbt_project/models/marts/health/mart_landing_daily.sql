-- What the Singer taps landed, per tenant, source, stream and UTC day of the
-- target's write (`_sdc_batched_at`, exposed by every staging model as
-- loaded_at), with the source's freshness target from its dbt source config
-- (define once). Raw tables are upserted by key, so a row counts on the day
-- its latest version was written. The load-time columns keep Singer's `_sdc_`
-- prefix: they describe a run, not the data, and differ on every run. The
-- streams are the declared list of macro landed_streams.
{%- set streams = landed_streams() %}

with

{% for stream in streams -%}
{{ stream.source }}__{{ stream.stream }} as (
    select * from {{ ref('stg_' ~ stream.source ~ '__' ~ stream.stream) }}
    where {{ in_partition_tenants() }}
),

{% endfor -%}

landed as (
    {% for stream in streams -%}
    select
        tenant_id,
        '{{ stream.source }}' as source_name,
        '{{ stream.stream }}' as stream_name,
        cast(loaded_at as date) as _sdc_batched_date,
        count(*) as rows_landed,
        max(loaded_at) as _sdc_last_batched_at
    from {{ stream.source }}__{{ stream.stream }}
    group by 1, 2, 3, 4
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

freshness_targets as (
    {% for stream in streams -%}
    select
        '{{ stream.source }}' as source_name,
        '{{ stream.stream }}' as stream_name,
        cast({{ freshness_hours(stream.source, stream.stream, 'warn_after') }} as {{ type_double() }})
            as warn_after_hours,
        cast({{ freshness_hours(stream.source, stream.stream, 'error_after') }} as {{ type_double() }})
            as error_after_hours
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select
    landed.tenant_id,
    landed.source_name,
    landed.stream_name,
    landed._sdc_batched_date,
    landed.rows_landed,
    landed._sdc_last_batched_at,
    freshness_targets.warn_after_hours,
    freshness_targets.error_after_hours
from landed
inner join freshness_targets
    on landed.source_name = freshness_targets.source_name
    and landed.stream_name = freshness_targets.stream_name
