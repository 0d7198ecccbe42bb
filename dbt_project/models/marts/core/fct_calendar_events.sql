{{ config(materialized='table') }}
{#- A table rebuilt whole on every run: a few rows per tenant and year, from a calendar
    whose future days change. -#}
with

events as (
    select * from {{ ref('stg_calendar__events') }}
)

select
    tenant_id,
    event_date,
    event_name,
    event_type,
    event_type = 'public_holiday' as is_public_holiday,
    event_type = 'commercial_event' as is_commercial_event,
    country_code
from events
