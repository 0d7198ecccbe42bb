-- How late data lands, per tenant, source, stream and UTC day of landing: for each row the
-- target wrote that day (its latest version), the hours from the data's own time to the
-- write (`loaded_at`), as a median and a maximum. One rule per kind of time column, by its
-- suffix (macro landed_streams declares the column of each stream):
--   `*_at`   a UTC timestamp (an entity's last change, an event's creation): loaded_at minus it;
--   `*_date` a day of daily figures (ad spend, search), complete at the end of that day in
--            the tenant's timezone: loaded_at minus that midnight, on the tenant's wall clock
--            (an hour off when a daylight-saving change falls in between).
-- Streams with no time of their own are left out. A re-read (a tap's lookback window)
-- lands old rows again: they count as late. Rows whose own time is more than two days before
-- the stream's first landing for the tenant are its history (the first sync's backfill):
-- counted apart, never as late (a first sync of two years read as 8.600 hours of latency).
-- The latency columns keep Singer's `_sdc_` prefix: they come from load times and differ on
-- every run.
{%- set streams = landed_streams() | selectattr('event_time') | list %}
{#- Each stream is measured on its own and only its days' figures are put together: sorting
    every landed row of every stream at once (for the first landing and the median) spilled
    hundreds of MB at the agency size; a stream's rows sort by tenant and day alone. The
    seconds are counted by seconds_between, which reads the timezone conversion and the
    window once a row on PostgreSQL (dbt's datediff repeats each four times). #}

with

tenants as (
    select * from {{ ref('dim_tenants') }}
),

{% for stream in streams -%}
{%- set cte = stream.source ~ '__' ~ stream.stream -%}
{%- set event_time = cte ~ '.' ~ stream.event_time -%}
{{ cte }} as (
    select * from {{ ref('stg_' ~ stream.source ~ '__' ~ stream.stream) }}
    where {{ in_partition_tenants() }}
),

{{ cte }}__latencies as (
    select
        {{ cte }}.tenant_id,
        {{ cte }}.loaded_at,
        cast({{ cte }}.loaded_at as date) as _sdc_batched_date,
        {% if stream.event_time.endswith('_at') -%}
        {{ seconds_between(event_time, cte ~ '.loaded_at') }}
        {%- elif stream.event_time.endswith('_date') -%}
        {{ seconds_between(
            'cast(' ~ dbt.dateadd('day', 1, event_time) ~ ' as timestamp)',
            '(' ~ to_local_timestamp(cte ~ '.loaded_at', 'tenants.timezone') ~ ')'
        ) }}
        {%- else -%}
        {{ exceptions.raise_compiler_error(
            "landed_streams: the time column of " ~ cte ~ " is '" ~ stream.event_time
            ~ "'; it must end in _at (a UTC timestamp) or _date (a day of daily figures)"
        ) }}
        {%- endif %} as latency_seconds
    from {{ cte }}
    {% if stream.event_time.endswith('_date') -%}
    left join tenants
        on {{ cte }}.tenant_id = tenants.tenant_id
    {% endif -%}
    where {{ event_time }} is not null
),

{{ cte }}__classified as (
    select
        tenant_id,
        _sdc_batched_date,
        latency_seconds,
        -- The row's own time (loaded_at - latency) before the first landing less two days.
        latency_seconds > {{ seconds_between(
            'min(loaded_at) over (partition by tenant_id)', 'loaded_at') }} + 2 * 86400 as is_history
    from {{ cte }}__latencies
),

{{ cte }}__daily as (
    select
        tenant_id,
        '{{ stream.source }}' as source_name,
        '{{ stream.stream }}' as stream_name,
        '{{ stream.event_time }}' as event_time_column,
        _sdc_batched_date,
        count(case when not is_history then latency_seconds end) as rows_timed,
        count(case when is_history then 1 end) as rows_history,
        -- An ordered-set aggregate with the same syntax and meaning on PostgreSQL and DuckDB;
        -- it leaves out the history rows' nulls.
        percentile_cont(0.5) within group (
            order by case when not is_history then latency_seconds end
        ) as p50_latency_seconds,
        max(case when not is_history then latency_seconds end) as max_latency_seconds
    from {{ cte }}__classified
    group by tenant_id, _sdc_batched_date
),

{% endfor -%}

daily as (
    {% for stream in streams -%}
    select * from {{ stream.source }}__{{ stream.stream }}__daily
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select
    tenant_id,
    source_name,
    stream_name,
    event_time_column,
    _sdc_batched_date,
    rows_timed,
    rows_history,
    cast(p50_latency_seconds as {{ type_double() }}) / 3600 as _sdc_latency_p50_hours,
    cast(max_latency_seconds as {{ type_double() }}) / 3600 as _sdc_latency_max_hours
from daily
